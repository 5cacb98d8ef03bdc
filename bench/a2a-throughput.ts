/**
 * Benchmark 9: blocking A2A `SendMessage` runs per second through the project's server
 * vs ACP `POST /runs/wait` on the same server and graph, and vs a server built with
 * `@a2a-js/sdk` alone (express) running the same `graph.invoke`, at 1, 16 and 64
 * concurrent clients. Each server in its own process; every request is raw HTTP from
 * one undici pool per server (JSON-RPC for A2A), so the client costs the same for all.
 */
import { loadavg } from "node:os";
import { Pool } from "undici";
import { sendA2AMessages } from "./lib/a2a-load.js";
import { startChild } from "./lib/child.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { alternate, fmt, median, percentile } from "./lib/stats.js";
import { type Load, postWaitRuns } from "./lib/wait-load.js";

type Name = "a2a" | "acp" | "sdk";

/** The machine's 1-minute load average, for the notes. */
const load = () => fmt(loadavg()[0] ?? Number.NaN);

/** Measures A2A and ACP runs/s of the project's server and A2A runs/s of an SDK-only server. */
export async function a2aThroughput(mode: BenchMode): Promise<BenchResult> {
  const loadBefore = load();
  const ours = await startChild<{ url: string; from: string }>("servers/a2a-throughput-server.ts", [
    "ours",
  ]);
  const sdk = await startChild<{ url: string }>("servers/a2a-throughput-server.ts", ["sdk"]);
  const rounds = mode.quick ? 3 : 5;
  const rows: string[][] = [];
  const toAcp: Array<[number, number]> = [];
  const toSdk: Array<[number, number]> = [];
  try {
    for (const concurrency of [1, 16, 64]) {
      const total = (mode.quick ? 300 : 1_500) * (concurrency === 1 ? 1 : 2);
      const pool = (url: string) => new Pool(url, { connections: concurrency, pipelining: 1 });
      const pools = {
        a2a: pool(ours.ready.url),
        acp: pool(ours.ready.url),
        sdk: pool(sdk.ready.url),
      };
      const loads: Record<Name, Load[]> = { a2a: [], acp: [], sdk: [] };
      const work: Record<Name, () => Promise<Load>> = {
        a2a: () => sendA2AMessages(pools.a2a, "/a2a/echo/", concurrency, total),
        acp: () => postWaitRuns([pools.acp], concurrency, total),
        sdk: () => sendA2AMessages(pools.sdk, "/a2a/echo/", concurrency, total),
      };
      const contender = (name: Name) => ({
        name,
        round: async () => {
          const result = await work[name]();
          loads[name].push(result);
          return result.rps;
        },
      });
      const samples = await alternate(
        [contender("a2a"), contender("acp"), contender("sdk")],
        rounds,
      );
      await Promise.all(Object.values(pools).map((p) => p.close()));
      const summary = (name: Name) => {
        // The first load of each is the warm-up round.
        const latencies = loads[name].slice(1).flatMap((l) => l.latencies);
        return {
          rps: median(samples.get(name) ?? []),
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
        };
      };
      const s = { a2a: summary("a2a"), acp: summary("acp"), sdk: summary("sdk") };
      const row = (label: string, name: Name) => [
        String(concurrency),
        label,
        fmt(s[name].rps, 0),
        fmt(s[name].p50),
        fmt(s[name].p99),
        fmt(s[name].rps / s.acp.rps),
        fmt(s[name].rps / s.sdk.rps),
      ];
      rows.push(
        row("agntcy-acp server, A2A `SendMessage`", "a2a"),
        row("agntcy-acp server, ACP `/runs/wait` (baseline)", "acp"),
        row("`@a2a-js/sdk` express server + `graph.invoke`", "sdk"),
      );
      toAcp.push([concurrency, s.a2a.rps / s.acp.rps]);
      toSdk.push([concurrency, s.a2a.rps / s.sdk.rps]);
    }
  } finally {
    await Promise.all([ours.stop(), sdk.stop()]);
  }
  const list = (ratios: Array<[number, number]>) =>
    ratios.map(([clients, ratio]) => `${clients}: ${fmt(ratio)}`).join(", ");
  return {
    title: "9. A2A throughput",
    method: `Blocking A2A \`SendMessage\` (JSON-RPC, a data part \`{ text }\`) to the echo graph of benchmark 3 served by the project's server (${ours.ready.from === "dist" ? "the built package, `dist/`" : "the sources, through tsx"}), vs ACP \`POST /runs/wait\` stateless runs of the same graph on the same server, and vs a server built with \`@a2a-js/sdk\` alone (\`DefaultRequestHandler\`, \`InMemoryTaskStore\`, its express JSON-RPC handler) whose executor runs the same \`graph.invoke\` and publishes the task, its artifact and its completion. Two server processes; load from this one as raw HTTP over undici pools, one kept-alive connection per client; ${rounds} alternating rounds per concurrency after a warm-up, median runs/s, latency percentiles over all measured requests.`,
    columns: [
      "clients",
      "server, endpoint",
      "median runs/s",
      "p50 ms",
      "p99 ms",
      "vs ACP runs/wait",
      "vs SDK server",
    ],
    rows,
    target: {
      text: ">= 0.8x the runs/s of ACP `/runs/wait` on the same server and graph, at 1, 16 and 64 clients",
      met: Math.min(...toAcp.map(([, ratio]) => ratio)) >= 0.8,
    },
    notes: [
      `A2A / ACP runs/wait on the same server by concurrency: ${list(toAcp)}. A2A / the \`@a2a-js/sdk\`-only server: ${list(toSdk)}.`,
      "An A2A send on this server is an ACP run underneath (the same run manager, store and graph stream), plus the SDK's request handler, task store view and event bus in front of it.",
      `Machine load (1-minute load average) before the run: ${loadBefore}; after: ${load()}.`,
    ],
  };
}
