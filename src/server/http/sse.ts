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

/** The SSE lines of one event: `id`, `event: agent_event`, the JSON payload, a blank line. */
export function formatEvent(event: RunEvent): string {
  return `id: ${event.id}\nevent: agent_event\ndata: ${JSON.stringify(event.data)}\n\n`;
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
      stream.write(": keep-alive\n\n").catch(() => gone.abort());
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
