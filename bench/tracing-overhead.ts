/**
 * Benchmark 10: what tracing costs the server. Stateless echo runs per second through
 * the project's ACP server built without tracing (the baseline: the same sources and
 * bundler, the tracing hooks compiled out), and built as it is with tracing switched
 * off (`OTEL_SDK_DISABLED=true`), on with no SDK registered (what a user who installed
 * nothing pays), and on with the SDK registered and a no-op exporter (a SERVER span per
 * request, a run span and a span per graph step). Each server in its own process,
 * measured side by side.
 */
import { loadavg } from "node:os";
import { Pool } from "undici";
import { startChild } from "./lib/child.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { alternate, fmt, median, percentile } from "./lib/stats.js";
import { buildTracingVariants } from "./lib/tracing-builds.js";
import { type Load, postWaitRuns } from "./lib/wait-load.js";

const kinds = ["none", "none2", "off", "nosdk", "sdk"] as const;
type Kind = (typeof kinds)[number];
const labels: Record<Kind, string> = {
  none: "built without tracing (baseline)",
  none2: "built without tracing, a second process (noise floor)",
  off: "tracing off (`OTEL_SDK_DISABLED=true`)",
  nosdk: "tracing on, no SDK registered",
  sdk: "tracing on, SDK with a no-op exporter",
};

/** Measures wait-endpoint runs per second of the server built without tracing, and with it off, on without an SDK, and on with one. */
export async function tracingOverhead(mode: BenchMode): Promise<BenchResult> {
  const builds = await buildTracingVariants();
  const loadBefore = loadavg()[0] ?? 0;
  const servers = await Promise.all(
    kinds.map((kind) =>
      startChild<{ url: string }>("servers/tracing-server.ts", [
        kind === "none2" ? "none" : kind,
        kind.startsWith("none") ? builds.untraced : builds.traced,
      ]),
    ),
  );
  // Many short rounds, alternating: on a shared machine the median of many is steadier.
  const rounds = mode.quick ? 5 : 11;
  const rows: string[][] = [];
  const noSdkRatios: Array<[number, number]> = [];
  const sdkRatios: Array<[number, number]> = [];
  const offRatios: Array<[number, number]> = [];
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
          fmt(rps(kind) / rps("none")),
        ]);
      }
      noSdkRatios.push([concurrency, rps("nosdk") / rps("none")]);
      offRatios.push([concurrency, rps("off") / rps("none")]);
      sdkRatios.push([concurrency, rps("sdk") / rps("none")]);
      floorRatios.push([concurrency, rps("none2") / rps("none")]);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  const loadAfter = loadavg()[0] ?? 0;
  const list = (ratios: Array<[number, number]>) =>
    ratios.map(([clients, ratio]) => `${clients}: ${fmt(ratio)}`).join(", ");
  return {
    title: "10. Tracing overhead",
    method: `\`POST /runs/wait\` stateless echo runs through the project's ACP server in five processes, from two builds of the same sources made the same way by esbuild (\`bench/lib/tracing-builds.ts\`): one with the server's tracing hooks compiled out (no tracing middleware, a run's graph called with no span or callbacks, no trace context kept; the baseline, run twice: the second shows how far two identical servers differ here), and one as it is, run with tracing off by \`OTEL_SDK_DISABLED=true\` (the OpenTelemetry API never loaded), with \`@opentelemetry/api\` installed but no SDK registered, and with \`@opentelemetry/sdk-trace-node\` registered and a batch processor handing spans to a no-op exporter. Load from an undici pool with one kept-alive connection per client; ${rounds} alternating rounds per concurrency, median runs/s.`,
    columns: ["clients", "server", "median runs/s", "p50 ms", "p99 ms", "ratio to none"],
    rows,
    target: {
      text: ">= 0.98x the runs/s of the build without tracing when no SDK is registered, at 1 and 16 clients",
      met: Math.min(...noSdkRatios.map(([, r]) => r)) >= 0.98,
    },
    notes: [
      `Noise floor, a second process of the build without tracing over the first, by clients: ${list(floorRatios)}: differences within this distance of 1 are the machine's, not the feature's.`,
      `No SDK registered, runs/s over the build without tracing, by clients: ${list(noSdkRatios)}. Without an SDK no span is made: a request costs a header read and a look at the registered provider. Tracing off by \`OTEL_SDK_DISABLED=true\`: ${list(offRatios)}.`,
      `SDK with a no-op exporter, runs/s over the build without tracing, by clients: ${list(sdkRatios)}: what recording a SERVER span, a run span and a span per graph step (the graph and its one node) costs before any export: the spans, and the LangChain callback run the graph's steps then go through.`,
      `Machine load (1-minute load average) before the run: ${fmt(loadBefore)}; after: ${fmt(loadAfter)}.`,
    ],
  };
}
