/**
 * Benchmark 10: what tracing costs the server. Stateless echo runs per second through
 * the project's ACP server with tracing switched off (`OTEL_SDK_DISABLED=true`: the
 * OpenTelemetry API is never loaded, the baseline), on with no SDK registered (what
 * a user who installed nothing pays), and on with the SDK registered and a no-op
 * exporter (a SERVER span per request, a run span and a span per graph step). Each
 * server in its own process, the same build, measured side by side.
 */
import { loadavg } from "node:os";
import { Pool } from "undici";
import { startChild } from "./lib/child.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { alternate, fmt, median, percentile } from "./lib/stats.js";
import { type Load, postWaitRuns } from "./lib/wait-load.js";

const kinds = ["off", "off2", "nosdk", "sdk"] as const;
type Kind = (typeof kinds)[number];
const labels: Record<Kind, string> = {
  off: "tracing off (`OTEL_SDK_DISABLED=true`, baseline)",
  off2: "tracing off, a second process (noise floor)",
  nosdk: "tracing on, no SDK registered",
  sdk: "tracing on, SDK with a no-op exporter",
};

/** Measures wait-endpoint runs per second of the server with tracing off, on without an SDK, and on with one. */
export async function tracingOverhead(mode: BenchMode): Promise<BenchResult> {
  const loadBefore = loadavg()[0] ?? 0;
  const servers = await Promise.all(
    kinds.map((kind) =>
      startChild<{ url: string; from: string }>("servers/tracing-server.ts", [
        kind === "off2" ? "off" : kind,
      ]),
    ),
  );
  // Many short rounds, alternating: on a shared machine the median of many is steadier.
  const rounds = mode.quick ? 5 : 11;
  const rows: string[][] = [];
  const noSdkRatios: Array<[number, number]> = [];
  const sdkRatios: Array<[number, number]> = [];
  const floorRatios: Array<[number, number]> = [];
  try {
    for (const concurrency of [1, 16]) {
      const total = (mode.quick ? 200 : 500) * (concurrency === 1 ? 1 : 2);
      const pools = servers.map(
        (s) => new Pool(s.ready.url, { connections: concurrency, pipelining: 1 }),
      );
      const loads = new Map<Kind, Load[]>(kinds.map((k) => [k, []]));
      const samples = await alternate(
        kinds.map((kind, i) => ({
          name: kind,
          round: async () => {
            const load = await postWaitRuns([pools[i] as Pool], concurrency, total);
            loads.get(kind)?.push(load);
            return load.rps;
          },
        })),
        rounds,
      );
      await Promise.all(pools.map((p) => p.close()));
      const rps = (kind: Kind) => median(samples.get(kind) ?? []);
      for (const kind of kinds) {
        const latencies = (loads.get(kind) ?? []).slice(1).flatMap((l) => l.latencies);
        rows.push([
          String(concurrency),
          labels[kind],
          fmt(rps(kind), 0),
          fmt(percentile(latencies, 0.5)),
          fmt(percentile(latencies, 0.99)),
          fmt(rps(kind) / rps("off")),
        ]);
      }
      noSdkRatios.push([concurrency, rps("nosdk") / rps("off")]);
      sdkRatios.push([concurrency, rps("sdk") / rps("off")]);
      floorRatios.push([concurrency, rps("off2") / rps("off")]);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  const loadAfter = loadavg()[0] ?? 0;
  const from =
    servers[0]?.ready.from === "dist" ? "the built package, `dist/`" : "the sources, through tsx";
  const list = (ratios: Array<[number, number]>) =>
    ratios.map(([clients, ratio]) => `${clients}: ${fmt(ratio)}`).join(", ");
  return {
    title: "10. Tracing overhead",
    method: `\`POST /runs/wait\` stateless echo runs through the project's ACP server (${from}) in four processes of the same build: tracing off (twice: the second shows how far two identical servers differ here) by \`OTEL_SDK_DISABLED=true\` (the OpenTelemetry API is never loaded: the baseline), tracing on with \`@opentelemetry/api\` installed but no SDK registered, and tracing on with \`@opentelemetry/sdk-trace-node\` registered and a batch processor handing spans to a no-op exporter. Load from an undici pool with one kept-alive connection per client; ${rounds} alternating rounds per concurrency, median runs/s.`,
    columns: ["clients", "server", "median runs/s", "p50 ms", "p99 ms", "ratio to off"],
    rows,
    target: {
      text: ">= 0.98x the runs/s with tracing off when no SDK is registered, at 1 and 16 clients",
      met: Math.min(...noSdkRatios.map(([, r]) => r)) >= 0.98,
    },
    notes: [
      `Noise floor, a second tracing-off process over the first, by clients: ${list(floorRatios)}: differences within this distance of 1 are the machine's, not the feature's.`,
      `No SDK registered, runs/s over tracing off, by clients: ${list(noSdkRatios)}. Without an SDK no span is made: a request costs a header read and a look at the registered provider.`,
      `SDK with a no-op exporter, runs/s over tracing off, by clients: ${list(sdkRatios)}: what recording a SERVER span, a run span and a span per graph step (the graph and its one node) costs before any export: the spans, and the LangChain callback run the graph's steps then go through.`,
      `Machine load (1-minute load average) before the run: ${fmt(loadBefore)}; after: ${fmt(loadAfter)}.`,
    ],
  };
}
