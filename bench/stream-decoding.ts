/**
 * Benchmark 2: reading a 100,000-event run output stream. The client's
 * `createAndStreamStatelessRunOutput` vs (a) bare `fetch` + `eventsource-parser` +
 * `JSON.parse`, the practical limit, and (b) `@langchain/langgraph-sdk` reading the
 * same bytes as an SSE stream.
 */
import { Client } from "@langchain/langgraph-sdk";
import { createParser } from "eventsource-parser";
import { SseMessageReader } from "../src/client/sse.js";
import { ACPClient } from "../src/index.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { sseServer } from "./lib/sse-server.js";
import { alternate, fmt, median, timed } from "./lib/stats.js";
import { ids } from "./lib/wire.js";

const EVENTS = 100_000;

/** bare fetch + eventsource-parser + JSON.parse: the least work that reads the events. */
async function bareRead(url: string, body: string): Promise<number> {
  const response = await fetch(`${url}/runs/stream`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body,
  });
  let count = 0;
  const parser = createParser({
    onEvent: (message) => {
      JSON.parse(message.data);
      count++;
    },
  });
  const decoder = new TextDecoder();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    parser.feed(decoder.decode(chunk.value, { stream: true }));
  }
  return count;
}

/** What to look at when the 1.2x target is missed. */
const missNotes = [
  "Compare the client's row with the split row: the split row is the client's SSE reader alone (`SseMessageReader` + `JSON.parse`), so the gap between the two is the per-event check and hand-off (`src/client/event-check.ts`, `src/client/run-stream.ts`); profile with `node --cpu-prof` to see which.",
];

/** Measures reading one 100,000-event stream with the client, the bare parser and the LangGraph SDK. */
export async function streamDecoding(mode: BenchMode): Promise<BenchResult> {
  const server = await sseServer(EVENTS);
  const rounds = mode.quick ? 3 : 9;
  const run = { agent_id: ids.agent, input: { text: "hello" }, stream_mode: "custom" as const };
  const client = ACPClient.fromConfiguration({ host: server.url });
  const sdk = new Client({ apiUrl: server.url, defaultHeaders: {} });
  const counts = new Map<string, number>();
  const contender = (name: string, read: () => Promise<number>) => ({
    name,
    round: () =>
      timed(async () => {
        counts.set(name, await read());
      }),
  });

  try {
    const samples = await alternate(
      [
        contender("agntcy-acp", async () => {
          let count = 0;
          for await (const _ of client.createAndStreamStatelessRunOutput(run)) count++;
          return count;
        }),
        contender("bare", () => bareRead(server.url, JSON.stringify(run))),
        contender("sse only", async () => {
          const response = await fetch(`${server.url}/runs/stream`, {
            method: "POST",
            headers: { "content-type": "application/json", accept: "text/event-stream" },
            body: JSON.stringify(run),
          });
          const reader = new SseMessageReader(response.body as ReadableStream<Uint8Array>);
          let count = 0;
          for (let batch = await reader.read(); batch; batch = await reader.read()) {
            for (const message of batch) {
              JSON.parse(message.data);
              count++;
            }
          }
          return count;
        }),
        contender("langgraph-sdk", async () => {
          let count = 0;
          for await (const _ of sdk.runs.joinStream(null, ids.run)) count++;
          return count;
        }),
      ],
      rounds,
    );
    for (const [name, count] of counts) {
      if (count !== EVENTS) throw new Error(`${name} read ${count} events, not ${EVENTS}`);
    }
    const ours = median(samples.get("agntcy-acp") ?? []);
    const bare = median(samples.get("bare") ?? []);
    const lg = median(samples.get("langgraph-sdk") ?? []);
    const sseOnly = median(samples.get("sse only") ?? []);
    const rate = (ms: number) => fmt(EVENTS / (ms / 1000) / 1000, 0);
    return {
      title: "2. Stream decoding",
      method: `One run output stream of ${EVENTS.toLocaleString("en")} \`custom\` events (${fmt(
        server.bytes / 2 ** 20,
        1,
      )} MB) from a local server, read to the end; ${rounds} alternating rounds, median time. Each contender must count every event. The "split" row is not a contender: it is the client's SSE reader alone, batch by batch, without the per-event check.`,
      columns: ["contender", "median ms", "k events/s", "ratio to (a)"],
      rows: [
        [
          "agntcy-acp `createAndStreamStatelessRunOutput` (validates every event)",
          fmt(ours, 0),
          rate(ours),
          fmt(ours / bare),
        ],
        [
          "(a) bare `fetch` + `eventsource-parser` + `JSON.parse`",
          fmt(bare, 0),
          rate(bare),
          "1.00",
        ],
        ["(b) `@langchain/langgraph-sdk` `runs.joinStream`", fmt(lg, 0), rate(lg), fmt(lg / bare)],
        [
          "(split) the client's `SseMessageReader` + `JSON.parse`, no event check",
          fmt(sseOnly, 0),
          rate(sseOnly),
          fmt(sseOnly / bare),
        ],
      ],
      target: {
        text: "within 1.2x of (a), and faster than (b)",
        met: ours / bare <= 1.2 && ours < lg,
      },
      notes: ours / bare <= 1.2 ? [] : missNotes,
    };
  } finally {
    await client.close();
    await server.close();
  }
}
