/**
 * The server side of the replica benchmark, in a process of its own: serves an echo
 * graph with the project's ACP server on the store named by its arguments (`postgres
 * URL SCHEMA` or `sqlite FILE`). Prints `{"url": ...}`.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { serveACP } from "../../src/server/index.js";
import { postgresStore } from "../../src/server/stores/postgres.js";
import { sqliteStore } from "../../src/server/stores/sqlite.js";

const [kind, where, schema] = process.argv.slice(2);
if ((kind !== "postgres" && kind !== "sqlite") || !where) {
  throw new Error("usage: replica-server postgres URL SCHEMA | sqlite FILE");
}

const State = Annotation.Root({ text: Annotation<string>, reply: Annotation<string> });
const graph = new StateGraph(State)
  .addNode("echo", (state: typeof State.State) => ({ reply: `echo: ${state.text}` }))
  .addEdge(START, "echo")
  .addEdge("echo", END)
  .compile();

const running = await serveACP({
  agents: [
    {
      graph,
      agentId: "echo",
      descriptor: {
        metadata: { ref: { name: "bench.echo", version: "1.0.0" }, description: "echoes" },
        specs: {
          capabilities: { threads: false, interrupts: false, callbacks: false },
          input: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
          output: { type: "object" },
          config: { type: "object" },
        },
      },
    },
  ],
  store:
    kind === "postgres" ? postgresStore(where, { schema: schema ?? "acp" }) : sqliteStore(where),
  port: 0,
  logger: { warn: () => undefined },
});
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
