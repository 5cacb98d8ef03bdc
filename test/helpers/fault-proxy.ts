/**
 * A reverse proxy in front of a test server that spoils chosen requests: it answers
 * them with a status of its own or drops their connection, and passes the others on.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { startServer, type TestServer } from "./http-server.js";

/** What the proxy does to one request: answer with this status, or drop the connection. */
export type Fault = number | "drop";

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Faults still to apply, in order, to the requests `spoils` picks. */
  faults: Fault[];
  /** The requests `spoils` picked, spoiled or passed on. */
  readonly picked: number;
  close(): Promise<void>;
}

/** Starts the proxy; `spoils` picks the requests the queued faults apply to. */
export async function startFaultProxy(
  upstream: string,
  spoils: (req: IncomingMessage) => boolean,
): Promise<FaultProxy> {
  const faults: Fault[] = [];
  let picked = 0;
  const target = new URL(upstream);
  const server: TestServer = await startServer((req, res, body) => {
    if (spoils(req)) {
      picked += 1;
      const fault = faults.shift();
      if (fault === "drop") {
        req.socket.destroy();
        return;
      }
      if (fault !== undefined) {
        res.writeHead(fault, { "content-type": "application/json" });
        res.end(JSON.stringify({ detail: `injected ${fault}` }));
        return;
      }
    }
    const forwarded = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on("error", () => res.destroy());
    forwarded.end(body);
  });
  return {
    url: server.url,
    faults,
    get picked() {
      return picked;
    },
    close: () => server.close(),
  };
}
