/**
 * A reverse proxy in front of a test server that ends event streams early: the first
 * `streams` answers of type `text/event-stream` are ended cleanly after `events`
 * whole events, as a gateway that closes long answers does, and the server's side of
 * each is dropped. Every request is recorded, headers and body, and the `Host` header
 * is passed on as the client sent it, so URLs the server builds from it (an A2A
 * agent card's) point back at the proxy.
 */
import { request as httpRequest } from "node:http";
import { type RecordedRequest, startServer } from "./http-server.js";

/** What the proxy ends, and how soon. */
export interface StreamEnding {
  /** How many event-stream answers to end early, the first ones in order. */
  streams: number;
  /** How many whole events each of them passes before it ends. */
  events: number;
}

/** A running proxy. */
export interface StreamEndingProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request, in the order it arrived. */
  requests: RecordedRequest[];
  /** The requests whose event stream the proxy ended early. */
  readonly ended: RecordedRequest[];
  close(): Promise<void>;
}

/** The index just past the `count`-th event's blank line in `text`, or -1. */
function endOfEvents(text: string, count: number): number {
  const boundary = /\r?\n\r?\n/g;
  for (let seen = 0; ; ) {
    const match = boundary.exec(text);
    if (!match) return -1;
    seen += 1;
    if (seen === count) return match.index + match[0].length;
  }
}

/** Starts the proxy in front of `upstream` (an `http://host:port` URL). */
export async function startStreamEndingProxy(
  upstream: string,
  ending: StreamEnding,
): Promise<StreamEndingProxy> {
  const target = new URL(upstream);
  const ended: RecordedRequest[] = [];
  let left = ending.streams;
  const server = await startServer((req, res, body, hit) => {
    const recorded = server.requests[hit - 1] as RecordedRequest;
    const forwarded = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const isStream = (answer.headers["content-type"] ?? "").startsWith("text/event-stream");
        if (!isStream || left === 0) {
          answer.pipe(res);
          return;
        }
        left -= 1;
        // Bytes as latin1 text: one character per byte, so indexes are byte offsets.
        let seen = "";
        answer.on("data", (chunk: Buffer) => {
          if (res.writableEnded) return;
          seen += chunk.toString("latin1");
          const end = endOfEvents(seen, ending.events);
          if (end < 0) {
            res.write(chunk);
            return;
          }
          const sent = seen.length - chunk.length;
          ended.push(recorded);
          res.end(chunk.subarray(0, end - sent));
          answer.destroy();
        });
        answer.on("end", () => {
          if (!res.writableEnded) res.end();
        });
      },
    );
    forwarded.on("error", () => res.destroy());
    forwarded.end(body);
  });
  return {
    url: server.url,
    requests: server.requests,
    ended,
    close: () => server.close(),
  };
}
