/**
 * Benchmark 7: the heap of a long-lived server, after garbage collection, every 10,000
 * stateless runs up to 100,000, on a memory store with a 16 MiB budget and on SQLite.
 * A server that keeps nothing per run beyond its bounded store stays flat once warm.
 */
import { startChild } from "./lib/child.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { fmt } from "./lib/stats.js";

const MiB = 2 ** 20;

/** The heap samples of one server process: `[runs so far, MB]`. */
async function samplesOf(total: number, every: number, store: string) {
  const child = await startChild<{ samples: Array<[number, number]> }>(
    "servers/heap-runs.ts",
    [String(total), String(every), store],
    ["--expose-gc"],
  );
  await child.stop();
  return child.ready.samples;
}

/** Measures the heap after GC of a server process over many runs. */
export async function serverHeap(mode: BenchMode): Promise<BenchResult> {
  const total = mode.quick ? 20_000 : 100_000;
  const every = total / 10;
  const stores: Array<[string, string]> = [
    ["memoryStore, maxBytes 16 MiB", `memory:${16 * MiB}`],
    ['sqliteStore(":memory:")', "sqlite"],
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  let met = true;
  let columns: string[] = [];
  for (const [name, store] of stores) {
    const samples = await samplesOf(total, every, store);
    columns = ["store", ...samples.map(([n]) => `${(n / 1000).toLocaleString("en")}k runs`)];
    rows.push([name, ...samples.map(([, mb]) => fmt(mb, 1))]);
    // Warm once the memory store is full (about 10,000 of these runs fill 16 MiB).
    const warm = samples[3]?.[1] ?? Number.NaN;
    const last = samples.at(-1)?.[1] ?? Number.NaN;
    const perRun = ((last - warm) * MiB) / (total - 3 * every);
    met &&= perRun < 100;
    notes.push(
      `${name}: from ${(3 * every).toLocaleString("en")} runs to the end the heap changed by ${fmt(last - warm, 1)} MB, ${fmt(perRun, 0)} bytes per run.`,
    );
  }
  return {
    title: "7. Server heap over many runs",
    method: `One process serves a one-node echo graph and posts ${total.toLocaleString("en")} \`/runs/wait\` runs to itself over 16 kept-alive connections; every ${every.toLocaleString("en")} runs it collects garbage twice (\`--expose-gc\`) and records \`heapUsed\` in MB. The memory store keeps finished runs as JSON text up to its byte budget (the default is 128 MiB, about 80,000 of these runs, counting their text and an estimate of what keeping them costs); SQLite keeps them outside the JavaScript heap.`,
    columns,
    rows,
    target: { text: "flat after warm-up: under 100 bytes of heap per run", met },
    notes,
  };
}
