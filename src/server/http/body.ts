/**
 * Reading a request body as text, within the server's `maxBodyBytes`.
 *
 * Served by Node (`serveACP`, or `@hono/node-server`), the body is read straight off
 * Node's request: no web `Request` or `ReadableStream` is built for it, which is a good
 * part of what a small run costs. Anywhere else (`app.fetch` with a `Request`) it is
 * read off the request's body stream. Either way reading stops at the limit.
 */
import type { Context } from "hono";
import { readStreamWithin } from "../../core/read-body.js";
import { ACPServerError, BodyTooLargeError } from "../errors.js";

/** The part of Node's `IncomingMessage` the reader needs. */
interface NodeIncoming {
  readableDidRead?: boolean;
  readableEnded?: boolean;
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  pause(): unknown;
}

const decoder = new TextDecoder();

/** Node's request behind a Hono context, when Node serves it and nothing has read it yet. */
function nodeIncoming(c: Context): NodeIncoming | undefined {
  const env = c.env as { incoming?: unknown } | undefined;
  const incoming = env?.incoming as NodeIncoming | undefined;
  if (!incoming || typeof incoming.on !== "function" || typeof incoming.pause !== "function") {
    return undefined;
  }
  if (incoming.readableDidRead || incoming.readableEnded) return undefined;
  return incoming;
}

/**
 * The request body as UTF-8 text; a `BodyTooLargeError` once it is longer than `maxBytes`. (The
 * server refuses a declared `content-length` over the limit before any handler runs.)
 */
export function readBodyText(c: Context, maxBytes: number): Promise<string> {
  const incoming = nodeIncoming(c);
  const read = incoming
    ? readIncoming(incoming, maxBytes)
    : readStreamWithin(c.req.raw.body, maxBytes, () => new BodyTooLargeError(maxBytes));
  return read.then(decode);
}

const decode = (bytes: Uint8Array) => decoder.decode(bytes);

/**
 * Node's request body, read in one go: its chunks gathered by listeners until it ends
 * (one promise per body, where an async iterator makes one per chunk). Reading stops,
 * paused, at the first chunk past `maxBytes`.
 */
function readIncoming(incoming: NodeIncoming, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += bytes.byteLength;
      if (size > maxBytes) {
        done();
        incoming.pause();
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => {
      done();
      reject(new ACPServerError("the client closed the connection before its request body ended"));
    };
    const done = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}
