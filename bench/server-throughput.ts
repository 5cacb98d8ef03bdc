/**
 * Benchmark 3: stateless echo runs per second through the project's ACP server (wait
 * endpoint) vs a bare `node:http` handler doing the same JSON work, at 1, 16 and 64
 * concurrent clients, with p50/p99 latency. Each server runs in its own process; the
 * load comes from this one over kept-alive connections.
 */
import { Pool } from "undici";
import { startChild } from "./lib/child.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { alternate, fmt, median, percentile } from "./lib/stats.js";
import { type Load, postWaitRuns } from "./lib/wait-load.js";

/** Measures wait-endpoint runs per second and latency of the ACP server and the bare handlers. */
export async function serverThroughput(mode: BenchMode): Promise<BenchResult> {
  const acp = await startChild<{ url: string; from: string }>("servers/throughput-server.ts", [
    "acp",
  ]);
  const bare = await startChild<{ url: string }>("servers/throughput-server.ts", ["bare"]);
  const graph = await startChild<{ url: string }>("servers/throughput-server.ts", ["graph"]);
  const rounds = mode.quick ? 3 : 5;
  const rows: string[][] = [];
  const ratios: string[] = [];
  /** The ACP server's runs/s over the graph reference's, by concurrency. */
  const graphRatios: Array<[number, number]> = [];
  try {
    for (const concurrency of [1, 16, 64]) {
      const total = (mode.quick ? 300 : 1_500) * (concurrency === 1 ? 1 : 2);
      const pool = (url: string) => new Pool(url, { connections: concurrency, pipelining: 1 });
      const pools = {
        acp: pool(acp.ready.url),
        bare: pool(bare.ready.url),
        graph: pool(graph.ready.url),
      };
      const loads = { acp: [] as Load[], bare: [] as Load[], graph: [] as Load[] };
      type Name = keyof typeof loads;
      const contender = (name: Name) => ({
        name,
        round: async () => {
          const result = await postWaitRuns([pools[name]], concurrency, total);
          loads[name].push(result);
          return result.rps;
        },
      });
      const samples = await alternate(
        [contender("acp"), contender("bare"), contender("graph")],
        rounds,
      );
      await Promise.all(Object.values(pools).map((p) => p.close()));
      const summary = (name: Name) => {
        const measured = loads[name].slice(1);
        const latencies = measured.flatMap((l) => l.latencies);
        return {
          rps: median(samples.get(name) ?? []),
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
        };
      };
      const ours = summary("acp");
      const plain = summary("bare");
      const graphOnly = summary("graph");
      rows.push(
        [
          String(concurrency),
          "agntcy-acp server",
          fmt(ours.rps, 0),
          fmt(ours.p50),
          fmt(ours.p99),
          fmt(ours.rps / plain.rps),
        ],
        [
          String(concurrency),
          "bare `node:http`",
          fmt(plain.rps, 0),
          fmt(plain.p50),
          fmt(plain.p99),
          "1.00",
        ],
        [
          String(concurrency),
          "bare `node:http` + `graph.invoke` (reference)",
          fmt(graphOnly.rps, 0),
          fmt(graphOnly.p50),
          fmt(graphOnly.p99),
          fmt(graphOnly.rps / plain.rps),
        ],
      );
      graphRatios.push([concurrency, ours.rps / graphOnly.rps]);
      ratios.push(`${concurrency}: ${fmt(ours.rps / plain.rps)}`);
    }
  } finally {
    await Promise.all([acp.stop(), bare.stop(), graph.stop()]);
  }
  return {
    title: "3. Server throughput",
    method: `\`POST /runs/wait\` stateless echo runs (a one-node LangGraph.js graph) through the project's ACP server (${acp.ready.from === "dist" ? "the built package, `dist/`" : "the sources, through tsx"}) vs a bare \`node:http\` handler that parses the body, checks the input, builds the run and output and writes the JSON. Each server in its own process; load from an undici pool with one kept-alive connection per client; ${rounds} alternating rounds per concurrency, median runs/s, latency percentiles over all measured requests.`,
    columns: ["clients", "server", "median runs/s", "p50 ms", "p99 ms", "throughput ratio"],
    rows,
    target: {
      text: ">= 0.8x the runs/s of a bare `node:http` handler running the same `graph.invoke`, at 1, 16 and 64 clients",
      met: Math.min(...graphRatios.map(([, ratio]) => ratio)) >= 0.8,
    },
    notes: [
      `Against a bare handler that runs the same graph with \`graph.invoke\` (no checkpointer), the ACP server's throughput ratio is ${graphRatios.map(([clients, ratio]) => `${clients}: ${fmt(ratio)}`).join(", ")}. The ACP server does more per run: HTTP routing through Hono, the body's schema checks, the run's record and events in the store (the default memory store, which keeps each record as JSON text), and the graph run as a stream, so that its events can be replayed.`,
      `Throughput ratios (ACP / bare handler without a graph) by concurrency: ${ratios.join(", ")}: most of the gap is the graph itself.`,
    ],
  };
}
