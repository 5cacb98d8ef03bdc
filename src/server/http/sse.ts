import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { RunEvent } from "../runs/run-events.js";
import type { RunRecord } from "../runs/run-record.js";

/** How a run's events are streamed to one client. */
export interface StreamOptions {
  /** Replay the events after this id; the ones before were already seen. */
  afterId: number;
  /** How often to send a keep-alive comment while idle, in ms. */
  keepAliveMs: number;
  /** False once the server is closing, which ends every stream. */
  serverOpen: () => boolean;
  /** Called when the client went away before the run stopped being pending. */
  onDisconnect?: () => void;
  /** Told of each stream's end, so a closing server can wait for streams to finish. */
  track: (ended: Promise<void>) => void;
}

/**
 * The keep-alive an idle stream sends: one comment line and no blank line after it.
 * By the SSE rules a comment is ignored and only a blank line dispatches an event, so
 * `: keep-alive\n\n` would be harmless too; but the Python reference SDK's reader
 * (and readers written like it) dispatches an event at every blank line, and an empty
 * event fails its payload parsing. A lone comment line is skipped by every reader,
 * and the next frame (or the end of the stream) follows it cleanly.
 */
export const KEEP_ALIVE = ": keep-alive\n";

/**
 * Characters that end a line for some SSE readers but that `JSON.stringify` leaves
 * as they are: Python's `str.splitlines` (used by the reference SDK's reader) also
 * breaks at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR, which would cut a `data`
 * line in two. Escaped, the JSON is the same value and the line stays whole.
 */
const LINE_BREAKS_IN_JSON = /[\u0085\u2028\u2029]/g;
const escapeLineBreak = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** The SSE lines of one event: `id`, `event: agent_event`, the JSON payload, a blank line. */
export function formatEvent(event: RunEvent): string {
  const data = JSON.stringify(event.data).replace(LINE_BREAKS_IN_JSON, escapeLineBreak);
  return `id: ${event.id}\nevent: agent_event\ndata: ${data}\n\n`;
}

/**
 * Streams a run's events as `text/event-stream` until the run is no longer pending,
 * the server closes, or the client goes away.
 */
export function streamRun(c: Context, record: RunRecord, options: StreamOptions): Response {
  return streamSSE(c, async (stream) => {
    let ended!: () => void;
    options.track(
      new Promise<void>((resolve) => {
        ended = resolve;
      }),
    );
    const gone = new AbortController();
    stream.onAbort(() => gone.abort());
    c.req.raw.signal.addEventListener("abort", () => gone.abort(), { once: true });
    const keepAlive = setInterval(() => {
      stream.write(KEEP_ALIVE).catch(() => gone.abort());
    }, options.keepAliveMs);
    try {
      const isOpen = () => record.status === "pending" && options.serverOpen();
      for await (const event of record.events.read(options.afterId, isOpen, gone.signal)) {
        await stream.write(formatEvent(event));
      }
    } finally {
      clearInterval(keepAlive);
      if (gone.signal.aborted && record.status === "pending") options.onDisconnect?.();
      ended();
    }
  });
}
