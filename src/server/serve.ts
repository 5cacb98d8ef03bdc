import type { ServerOptions } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { ApiValueError } from "../core/errors.js";
import { type ACPServer, createACPServer } from "./http/app.js";
import type { ACPServerOptions } from "./options.js";

/** How to serve an ACP server over HTTP. */
export interface ServeACPOptions extends ACPServerOptions {
  /** The port to listen on; 0 picks a free one. Default 8000. */
  port?: number;
  /** The address to listen on. Default "127.0.0.1". */
  hostname?: string;
  /**
   * How long a connection may stay idle between requests before the server closes
   * it, in ms. Default 5000 (Node's). A client's pool that keeps connections longer
   * than this meets a closed one now and then: it should keep them for less.
   */
  keepAliveTimeout?: number;
  /**
   * How long a client may take to send a request's headers, from the first byte
   * (or from connecting, for a connection's first request), in ms; it is then
   * answered 408 and the connection closed. Default 30000. Bounds how long a client
   * that trickles its headers (or sends nothing) holds a connection. Connections are
   * checked against this and `requestTimeout` every quarter of the shorter one, so a
   * limit holds to within a quarter of itself.
   */
  headersTimeout?: number;
  /**
   * How long a client may take to send a whole request, headers and body, in ms; 0
   * for no limit. Default 300000 (Node's). Only the request counts: once its body
   * is in, the answer may take as long as it takes, so a long `runs/wait` or an
   * event stream is never cut by it. At least `headersTimeout` when not 0.
   */
  requestTimeout?: number;
}

/** The listener's time limits, checked and with their defaults. */
function listenerTimeouts(options: ServeACPOptions): ServerOptions {
  const keepAliveTimeout = timeoutOption(options, "keepAliveTimeout", 5_000, 1);
  const headersTimeout = timeoutOption(options, "headersTimeout", 30_000, 1);
  const requestTimeout = timeoutOption(options, "requestTimeout", 300_000, 0);
  if (requestTimeout !== 0 && headersTimeout > requestTimeout) {
    throw new ApiValueError(
      `headersTimeout (${headersTimeout} ms) must not be longer than requestTimeout (${requestTimeout} ms)`,
      ["headersTimeout"],
    );
  }
  // Node looks for connections past their header or request time every
  // connectionsCheckingInterval (30 s by default), which would let a client hold a
  // connection up to that much longer: a quarter of the shortest limit holds each
  // limit to within a quarter of it, and walks the connections no more often than that.
  const shortest = requestTimeout === 0 ? headersTimeout : Math.min(headersTimeout, requestTimeout);
  const connectionsCheckingInterval = Math.max(10, Math.floor(shortest / 4));
  return { keepAliveTimeout, headersTimeout, requestTimeout, connectionsCheckingInterval };
}

/** A whole number of ms from `min`; the option's default when absent. */
function timeoutOption(
  options: ServeACPOptions,
  name: "keepAliveTimeout" | "headersTimeout" | "requestTimeout",
  fallback: number,
  min: number,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) && value >= min)) {
    throw new ApiValueError(`${name} must be a whole number of ms >= ${min}, got ${value}`, [name]);
  }
  return value;
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

/**
 * Builds an ACP server and serves it with Node's HTTP server, which closes idle
 * connections and cuts slow requests as the options' time limits say.
 */
export async function serveACP(options: ServeACPOptions): Promise<RunningACPServer> {
  const serverOptions = listenerTimeouts(options);
  const server = createACPServer(options);
  await server.ready;
  const hostname = options.hostname ?? "127.0.0.1";
  const { listener, address } = await new Promise<{
    listener: ReturnType<typeof serve>;
    address: AddressInfo;
  }>((resolve, reject) => {
    const listener = serve(
      { fetch: server.app.fetch, port: options.port ?? 8000, hostname, serverOptions },
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
