/**
 * A server and its client in one process started with `--expose-gc`: posts `runs`
 * stateless runs of `inputBytes` each, one after another, and prints the heap after
 * garbage collection before the first run and after the last, as JSON.
 * Usage: node --expose-gc --import tsx server-heap.ts <maxBytes> <runs> <inputBytes>
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { deriveAgentId, memoryStore, serveACP } from "../../../src/server/index.js";

const [maxBytes, runs, inputBytes] = process.argv.slice(2).map(Number) as [number, number, number];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("start this script with node --expose-gc");

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** Answers how long the text it got was: the input is what the runs keep. */
const State = Annotation.Root({ text: Annotation<string>, length: Annotation<number> });
const graph = new StateGraph(State)
  .addNode("measure", (state: typeof State.State) => ({ length: state.text.length }))
  .addEdge(START, "measure")
  .addEdge("measure", END)
  .compile();
const descriptor = {
  metadata: { ref: { name: "heap.measure", version: "1.0.0" }, description: "measures" },
  specs: {
    capabilities: { threads: false, interrupts: false, callbacks: false },
    input: { type: "object" },
    output: { type: "object" },
    config: { type: "object" },
  },
};

const logger = { warn: () => undefined };
const server = await serveACP({
  agents: [{ graph, descriptor }],
  port: 0,
  logger,
  store: memoryStore({ maxBytes, logger }),
});
const body = JSON.stringify({
  agent_id: deriveAgentId("heap.measure", "1.0.0"),
  input: { text: "x".repeat(inputBytes) },
});
const before = heapAfterGc();
let succeeded = 0;
for (let i = 0; i < runs; i += 1) {
  const response = await fetch(`${server.url}/runs/wait`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const answer = (await response.json()) as { run?: { status?: string } };
  if (answer.run?.status === "success") succeeded += 1;
}
const after = heapAfterGc();
const found = await fetch(`${server.url}/runs/search`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ limit: 1000 }),
});
const kept = ((await found.json()) as unknown[]).length;
await server.close();
process.stdout.write(JSON.stringify({ before, after, succeeded, kept }));
