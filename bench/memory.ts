/**
 * Benchmark 5: peak RSS of a client reading 1,000,000 stream events. The client runs in
 * a child process and samples its own RSS during the stream; the server here writes
 * the events as the socket takes them.
 */
import { startChild } from "./lib/child.js";
import { listen, readBody } from "./lib/local-server.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { fmt } from "./lib/stats.js";
import { sseFrames } from "./lib/wire.js";

interface MemoryReport {
  count: number;
  startRss: number;
  peak: number;
  samples: Array<[number, number]>;
}

/** Measures the RSS of a child process that reads a long stream with the client. */
export async function memory(mode: BenchMode): Promise<BenchResult> {
  const events = mode.quick ? 200_000 : 1_000_000;
  const block = 1_000;
  const server = await listen(async (req, res) => {
    await readBody(req);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    for (let from = 1; from <= events; from += block) {
      const piece = sseFrames(from, Math.min(events, from + block - 1));
      if (!res.write(piece)) await new Promise((resolve) => res.once("drain", resolve));
    }
    res.end();
  });
  try {
    const child = await startChild<MemoryReport>(
      "servers/memory-client.ts",
      [server.url, String(events / 20)],
      [],
    );
    const report = child.ready;
    await child.stop();
    if (report.count !== events)
      throw new Error(`the client read ${report.count} of ${events} events`);
    const early = report.samples[0]?.[1] ?? report.startRss;
    const last = report.samples.at(-1)?.[1] ?? Number.NaN;
    const growth = report.peak - early;
    const halfway = report.samples[Math.floor(report.samples.length / 2) - 1]?.[1] ?? Number.NaN;
    const flat = growth < 32;
    return {
      title: "5. Memory while streaming",
      method: `A child process reads ${events.toLocaleString("en")} events with \`createAndStreamStatelessRunOutput\` from a local server and samples its RSS every 20 ms and every ${(events / 20).toLocaleString("en")} events.`,
      columns: [
        "RSS before the stream",
        `after ${(events / 20).toLocaleString("en")} events`,
        "at the end",
        "peak",
        "peak − early",
      ],
      rows: [
        [
          `${fmt(report.startRss, 0)} MB`,
          `${fmt(early, 0)} MB`,
          `${fmt(last, 0)} MB`,
          `${fmt(report.peak, 0)} MB`,
          `${fmt(growth, 1)} MB`,
        ],
      ],
      target: { text: "flat: peak within 32 MB of the RSS early in the stream", met: flat },
      notes: [
        `Over the second half of the stream (${(events / 2).toLocaleString("en")} more events) RSS changed by ${fmt(last - halfway, 1)} MB${
          Math.abs(last - halfway) < 5
            ? ": memory does not grow with the length of the stream; the rise before that is the heap reaching its working size"
            : ""
        }.`,
        `RSS by events read: ${report.samples
          .filter((_, i) => i % 4 === 3)
          .map(([n, rss]) => `${(n / 1000).toLocaleString("en")}k: ${fmt(rss, 0)} MB`)
          .join(", ")}.`,
      ],
    };
  } finally {
    await server.close();
  }
}
