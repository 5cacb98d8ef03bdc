/**
 * Reading a response body into memory without trusting the server about its
 * size: reading stops, and the connection is closed, as soon as the body
 * outgrows the limit, so a huge body costs no more memory than the limit.
 */

/**
 * What watches a body as it is read, and may stop the read: time limits, say. It
 * hears of every chunk, and the read ends with the error it stops it with.
 */
export interface BodyWatch {
  /** The read starts; calling `stop` cancels the body and fails the read with `error`. */
  start(stop: (error: Error) => void): void;
  /** A chunk of `size` bytes arrived. */
  chunk(size: number): void;
  /** The read is over, whatever its end. */
  end(): void;
}

/**
 * The whole body of `response`, or `tooLarge()` thrown once it holds more than
 * `max` bytes (decompressed). A body with a `Content-Length` over the limit
 * fails before any byte is read. `watch` hears of each chunk and may stop the read.
 */
export async function readBodyWithin(
  response: Response,
  max: number,
  tooLarge: () => Error,
  watch?: BodyWatch,
): Promise<Uint8Array> {
  const declared = max === Number.POSITIVE_INFINITY ? undefined : declaredLength(response);
  if (declared !== undefined && declared > max) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  // A declared length within the limit holds: fetch fails a body longer than it says.
  // A watched body is read chunk by chunk, so that the watch sees each one.
  if (watch === undefined && (declared !== undefined || max === Number.POSITIVE_INFINITY)) {
    return new Uint8Array(await response.arrayBuffer());
  }
  const { bytes, complete } = await readUpTo(response.body, max, watch);
  if (!complete) throw tooLarge();
  return bytes;
}

/** The whole of `body`, or `tooLarge()` thrown once it holds more than `max` bytes. */
export async function readStreamWithin(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const { bytes, complete } = await readUpTo(body, max);
  if (!complete) throw tooLarge();
  return bytes;
}

/** How much of an error answer's body is read: enough for any message, however large the body. */
export const maxErrorBodyBytes = 64 * 1024;

/**
 * The body as text, cut after `max` bytes: for error answers, whose size says
 * nothing. `watch` hears of each chunk and may stop the read.
 */
export async function readTextCut(
  response: Response,
  max: number,
  watch?: BodyWatch,
): Promise<string> {
  const { bytes } = await readUpTo(response.body, max, watch);
  return new TextDecoder().decode(bytes);
}

/**
 * The body's first `max` bytes; `complete` is false when there was more, in
 * which case the rest is left unread and the body cancelled.
 */
async function readUpTo(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  watch?: BodyWatch,
): Promise<{ bytes: Uint8Array; complete: boolean }> {
  if (!body) return { bytes: new Uint8Array(), complete: true };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = true;
  let ended = false;
  let stopped: Error | undefined;
  // Cancelling ends a pending read as if the body had ended: `stopped` tells them apart.
  watch?.start((error) => {
    stopped ??= error;
    reader.cancel(error).catch(() => undefined);
  });
  try {
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        throw stopped ?? error;
      }
      if (stopped) throw stopped;
      const { done, value } = read;
      if (done) {
        ended = true;
        break;
      }
      watch?.chunk(value.length);
      if (size + value.length > max) {
        chunks.push(value.subarray(0, max - size));
        size = max;
        complete = false;
        break;
      }
      chunks.push(value);
      size += value.length;
    }
  } finally {
    watch?.end();
    if (!complete) await reader.cancel().catch(() => undefined);
    // A body read to its end keeps its reader: releasing it makes an error for the
    // reader's `closed` promise, which costs more than the rest of a small read.
    if (!ended) reader.releaseLock();
  }
  return { bytes: concat(chunks, size), complete };
}

/**
 * The `Content-Length` that bounds the bytes `fetch` will hand out; undefined when
 * absent, unreadable, or describing compressed bytes (which may unpack to far more).
 */
function declaredLength(response: Response): number | undefined {
  const encoding = response.headers.get("content-encoding");
  if (encoding !== null && encoding.trim().toLowerCase() !== "identity") return undefined;
  const text = response.headers.get("content-length");
  if (text === null || !/^\d{1,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
