/**
 * `npm run bench [-- --quick] [-- --only=1,3]`: runs the benchmarks, prints their
 * tables, and on a full run of all of them writes bench/RESULTS.md.
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { a2aThroughput } from "./a2a-throughput.js";
import { clientOverhead } from "./client-overhead.js";
import { graphOverhead } from "./graph-overhead.js";
import { renderResults } from "./lib/report.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { memory } from "./memory.js";
import { peer } from "./peer.js";
import { replicas } from "./replicas.js";
import { serverFloor } from "./server-floor.js";
import { serverHeap } from "./server-heap.js";
import { serverThroughput } from "./server-throughput.js";
import { storeSearch } from "./store-search.js";
import { streamDecoding } from "./stream-decoding.js";
import { tokenStreaming } from "./token-streaming.js";
import { tracingOverhead } from "./tracing-overhead.js";

const args = process.argv.slice(2);
const mode: BenchMode = { quick: args.includes("--quick") };
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",")
  .map(Number);

const benchmarks: Array<[number, (mode: BenchMode) => Promise<BenchResult>]> = [
  [1, clientOverhead],
  [2, streamDecoding],
  [3, serverThroughput],
  [4, graphOverhead],
  [5, memory],
  [6, storeSearch],
  [7, serverHeap],
  [8, replicas],
  [9, a2aThroughput],
  [10, tracingOverhead],
  [11, serverFloor],
  [12, tokenStreaming],
  [13, peer],
];

const results: BenchResult[] = [];
for (const [number, bench] of benchmarks) {
  if (only && !only.includes(number)) continue;
  const before = loadavg();
  const result = { ...(await bench(mode)), load: { before, after: loadavg() } };
  results.push(result);
  process.stdout.write(`${renderResults([result], mode, false)}\n`);
}
if (!mode.quick && !only) {
  const file = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
  writeFileSync(file, renderResults(results, mode, true));
  process.stdout.write(`wrote ${file}\n`);
}
