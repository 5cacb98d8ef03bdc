/**
 * The server side of benchmark 3, in a process of its own: `acp` serves an echo graph
 * with the project's ACP server (`acp streaming`: an echo agent that declares the
 * `values` stream mode); `bare` answers the same wait endpoint with a plain
 * `node:http` handler that does the same JSON work; `graph` is `bare` that also runs
 * the echo graph, to tell the graph's cost from the server's. Prints `{"url": ...,
 * "from": "dist" | "src"}` (see `server-module.ts`).
 */
import { serveBareWait } from "../lib/bare-wait.js";
import { server, serverSource } from "../lib/server-module.js";
import { echoAgent, echoGraph } from "./echo-agent.js";

async function acp(streaming: boolean): Promise<string> {
  const running = await server.serveACP({
    agents: [echoAgent({ streaming })],
    port: 0,
    logger: { warn: () => undefined },
  });
  return running.url;
}

function bare(withGraph: boolean): Promise<string> {
  const graph = echoGraph();
  return serveBareWait((text) =>
    withGraph ? graph.invoke({ text }) : { text, reply: `echo: ${text}` },
  );
}

const kind = process.argv[2];
const url =
  kind === "acp" ? await acp(process.argv[3] === "streaming") : await bare(kind === "graph");
process.stdout.write(`${JSON.stringify({ url, from: serverSource })}\n`);
