/**
 * The server side of benchmark 3, in a process of its own: `acp` serves an echo graph
 * with the project's ACP server; `bare` answers the same wait endpoint with a plain
 * `node:http` handler that does the same JSON work; `graph` is `bare` that also runs
 * the echo graph, to tell the graph's cost from the server's. Prints `{"url": ...,
 * "from": "dist" | "src"}` (see `server-module.ts`).
 */
import { randomUUID } from "node:crypto";
import { listen, readBody } from "../lib/local-server.js";
import { server, serverSource } from "../lib/server-module.js";
import { echoAgent, echoGraph } from "./echo-agent.js";

async function acp(): Promise<string> {
  const running = await server.serveACP({
    agents: [echoAgent()],
    port: 0,
    logger: { warn: () => undefined },
  });
  return running.url;
}

async function bare(withGraph: boolean): Promise<string> {
  const graph = echoGraph();
  const listening = await listen(async (req, res) => {
    if (req.method !== "POST" || req.url !== "/runs/wait") {
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
    const text = creation.input.text;
    const values = withGraph ? await graph.invoke({ text }) : { text, reply: `echo: ${text}` };
    const now = new Date().toISOString();
    const run = {
      run_id: randomUUID(),
      agent_id: creation.agent_id ?? "echo",
      created_at: now,
      updated_at: now,
      status: "success",
      creation,
    };
    const body = JSON.stringify({
      run,
      output: { type: "result", values },
    });
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  return listening.url;
}

const kind = process.argv[2];
const url = kind === "acp" ? await acp() : await bare(kind === "graph");
process.stdout.write(`${JSON.stringify({ url, from: serverSource })}\n`);
