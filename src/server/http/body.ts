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
import { BodyTooLargeError } from "../errors.js";

/** The part of Node's `IncomingMessage` the reader needs. */
interface NodeIncoming extends AsyncIterable<Buffer | string> {
  readableDidRead?: boolean;
  readableEnded?: boolean;
}

const decoder = new TextDecoder();

/** Node's request behind a Hono context, when Node serves it and nothing has read it yet. */
function nodeIncoming(c: Context): NodeIncoming | undefined {
  const env = c.env as { incoming?: unknown } | undefined;
  const incoming = env?.incoming as NodeIncoming | undefined;
  if (!incoming || typeof incoming[Symbol.asyncIterator] !== "function") return undefined;
  if (incoming.readableDidRead || incoming.readableEnded) return undefined;
  return incoming;
}

/**
 * The request body as UTF-8 text; a `BodyTooLargeError` once it is longer than `maxBytes`. (The
 * server refuses a declared `content-length` over the limit before any handler runs.)
 */
export async function readBodyText(c: Context, maxBytes: number): Promise<string> {
  const incoming = nodeIncoming(c);
  if (!incoming) {
    return decoder.decode(
      await readStreamWithin(c.req.raw.body, maxBytes, () => new BodyTooLargeError(maxBytes)),
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += bytes.byteLength;
    if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
    chunks.push(bytes);
  }
  return decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
}
