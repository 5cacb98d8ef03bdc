/**
 * Requests that reached an HTTP server of this process, seen through Node's
 * `http.server.request.start` diagnostics channel: a test waits for a request to
 * be in a server's hands (with `vi.waitUntil`) before it does what that request
 * must see, instead of sleeping.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";

/** What a test reads of the requests that arrived; `stop()` ends the recording. */
export interface RequestArrivals {
  /** How many requests for `path` arrived at the server listening on `port`. */
  count(port: number, method: string, path: string): number;
  stop(): void;
}

/** Starts recording the requests every HTTP server of this process receives. */
export function recordRequestArrivals(): RequestArrivals {
  const seen: Array<{ port: number | undefined; method: string; path: string }> = [];
  const onStart = (message: unknown) => {
    const request = (message as { request: IncomingMessage }).request;
    seen.push({
      port: request.socket.localPort,
      method: request.method ?? "",
      path: (request.url ?? "").split("?")[0] ?? "",
    });
  };
  subscribe("http.server.request.start", onStart);
  return {
    count: (port, method, path) =>
      seen.filter((r) => r.port === port && r.method === method && r.path === path).length,
    stop: () => void unsubscribe("http.server.request.start", onStart),
  };
}
