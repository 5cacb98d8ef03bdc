import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type ACPServer, createACPServer } from "./http/app.js";
import type { ACPServerOptions } from "./options.js";

/** How to serve an ACP server over HTTP. */
export interface ServeACPOptions extends ACPServerOptions {
  /** The port to listen on; 0 picks a free one. Default 8000. */
  port?: number;
  /** The address to listen on. Default "127.0.0.1". */
  hostname?: string;
}

/** A listening ACP server. */
export interface RunningACPServer {
  /** The base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The ACP server it serves. */
  readonly server: ACPServer;
  /** Stops accepting connections, stops runs, ends streams, and closes the listener. */
  close(): Promise<void>;
}

/** Builds an ACP server and serves it with Node's HTTP server. */
export async function serveACP(options: ServeACPOptions): Promise<RunningACPServer> {
  const server = createACPServer(options);
  await server.ready;
  const hostname = options.hostname ?? "127.0.0.1";
  const { listener, address } = await new Promise<{
    listener: ReturnType<typeof serve>;
    address: AddressInfo;
  }>((resolve, reject) => {
    const listener = serve(
      { fetch: server.app.fetch, port: options.port ?? 8000, hostname },
      (info) => resolve({ listener, address: info }),
    );
    listener.once("error", reject);
  });
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
        await server.close();
        // Streams have written their last event; their connections go idle once the
        // bytes are out. Close idle connections until none is left, then cut stragglers.
        let closed = false;
        void stopped.then(() => {
          closed = true;
        });
        for (let round = 0; round < 40 && !closed; round += 1) {
          if ("closeIdleConnections" in listener) listener.closeIdleConnections();
          await new Promise<void>((resolve) => setTimeout(resolve, 25));
        }
        if ("closeAllConnections" in listener) listener.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
