/**
 * The server side of benchmark 11, in a process of its own: `floor` answers the wait
 * endpoints (`/runs/wait`, `/threads/{id}/runs/wait`) with a bare `node:http` handler
 * running the echo graph's `graph.invoke` (a thread's run on a checkpointer, as the ACP
 * server's are); `acp memory`, `acp sqlite FILE` and `acp postgres URL SCHEMA` serve the
 * same graph with the project's ACP server on that store. Prints `{"url": ...}` once
 * it answers.
 */
import { randomUUID } from "node:crypto";
import { MemorySaver } from "@langchain/langgraph";
import { listen, readBody } from "../lib/local-server.js";
import { server } from "../lib/server-module.js";
import { echoAgent, echoGraph } from "./echo-agent.js";

const THREAD_PATH = /^\/threads\/([^/]+)\/runs\/wait$/;

async function floor(): Promise<string> {
  const stateless = echoGraph();
  const stateful = echoGraph(new MemorySaver());
  const listening = await listen(async (req, res) => {
    const threadId = req.url ? THREAD_PATH.exec(req.url)?.[1] : undefined;
    if (req.method !== "POST" || (req.url !== "/runs/wait" && threadId === undefined)) {
      res.writeHead(404).end();
      return;
    }
    const creation = JSON.parse(await readBody(req)) as {
      agent_id?: string;
      input?: { text?: unknown };
    };
    if (typeof creation.input?.text !== "string") {
      res.writeHead(422, { "content-type": "application/json" }).end('{"detail":"input.text"}');
      return;
    }
    const input = { text: creation.input.text };
    const values =
      threadId === undefined
        ? await stateless.invoke(input)
        : await stateful.invoke(input, { configurable: { thread_id: threadId } });
    const now = new Date().toISOString();
    const run = {
      run_id: randomUUID(),
      ...(threadId !== undefined ? { thread_id: threadId } : {}),
      agent_id: creation.agent_id ?? "echo",
      created_at: now,
      updated_at: now,
      status: "success",
      creation,
    };
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ run, output: { type: "result", values } }));
  });
  return listening.url;
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
