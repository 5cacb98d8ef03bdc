/** Writing event streams from test servers. */
import type { ServerResponse } from "node:http";
import type { RunOutputStream } from "../../src/index.js";
import { sseFrame } from "./fixtures.js";

/** Starts an event-stream answer. */
export function startSse(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
}

/** Writes text or bytes, waiting for the socket to drain when its buffer is full. */
export async function write(res: ServerResponse, data: string | Uint8Array): Promise<void> {
  if (!res.write(data)) await new Promise((resolve) => res.once("drain", resolve));
}

/** Writes events; resolves once they are handed to the socket. */
export async function writeEvents(res: ServerResponse, events: RunOutputStream[]): Promise<void> {
  for (const event of events) await write(res, sseFrame(event));
}

/**
 * Cuts the connection without ending the response, as a network failure would,
 * after what was written so far has gone out.
 */
export async function drop(res: ServerResponse): Promise<void> {
  await new Promise<void>((resolve) => res.write("", () => resolve()));
  await new Promise<void>((resolve) => {
    if (!res.socket) return resolve();
    res.socket.once("close", () => resolve());
    res.socket.end();
  });
}
