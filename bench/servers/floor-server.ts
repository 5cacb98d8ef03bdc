/**
 * The server side of benchmark 11, in a process of its own: `floor` answers the wait
 * endpoints (`/runs/wait`, `/threads/{id}/runs/wait`) with a bare `node:http` handler
 * running the echo graph's `graph.invoke` (a thread's run on a checkpointer, as the ACP
 * server's are); `acp memory`, `acp sqlite FILE` and `acp postgres URL SCHEMA` serve the
 * same graph with the project's ACP server on that store. Prints `{"url": ...}` once
 * it answers.
 */
import { MemorySaver } from "@langchain/langgraph";
import { serveBareWait } from "../lib/bare-wait.js";
import { server } from "../lib/server-module.js";
import { echoAgent, echoGraph } from "./echo-agent.js";

function floor(): Promise<string> {
  const stateless = echoGraph();
  const stateful = echoGraph(new MemorySaver());
  return serveBareWait(
    (text, threadId) =>
      threadId === undefined
        ? stateless.invoke({ text })
        : stateful.invoke({ text }, { configurable: { thread_id: threadId } }),
    true,
  );
}

async function acp(store: string | undefined, where: string | undefined, schema?: string) {
  const { postgresStore, serveACP, sqliteStore } = server;
  const running = await serveACP({
    agents: [echoAgent({ threads: true })],
    port: 0,
    logger: { warn: () => undefined },
    ...(store === "sqlite" && where ? { store: sqliteStore(where) } : {}),
    ...(store === "postgres" && where
      ? { store: postgresStore(where, { schema: schema ?? "acp" }) }
      : {}),
  });
  return running.url;
}

const [kind, store, where, schema] = process.argv.slice(2);
const url = kind === "floor" ? await floor() : await acp(store, where, schema);
process.stdout.write(`${JSON.stringify({ url })}\n`);
