/**
 * Time limits on reading a response body: silence (no byte for a while) and the
 * whole body's arrival. `fetch` resolves at the headers, and nothing in it bounds
 * the body after that on every runtime, so a server that stalls or trickles would
 * hold a call open for good.
 */

/** How long a body may take; `Infinity` turns a limit off. */
export interface BodyTimeLimits {
  /** The longest time without a byte, in ms. */
  idleMs: number;
  /** Whether the silence is counted only from the first byte on (a wait's body). */
  idleFromFirstByte: boolean;
  /** The longest time for the whole body, in ms from now. */
  totalMs: number;
  /** The error the body fails with when it was silent too long. */
  idleError: () => Error;
  /** The error the body fails with when it took too long in all. */
  totalError: () => Error;
}

/** Statuses whose response has no body (a `Response` with one cannot be built). */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

/**
 * A response to read the body of in place of `response`, whose body fails with
 * the limit's error (and cancels the original body, closing the connection) when
 * a limit is reached. Status and headers are the original's; `url` is not kept, so
 * read it from `response`. `response` itself when there is nothing to bound.
 */
export function timeBoundBody(response: Response, limits: BodyTimeLimits): Response {
  const source = response.body;
  const { idleMs, totalMs } = limits;
  if (
    source === null ||
    nullBodyStatuses.has(response.status) ||
    (idleMs === Number.POSITIVE_INFINITY && totalMs === Number.POSITIVE_INFINITY)
  ) {
    return response;
  }
  const reader = source.getReader();
  const start = Date.now();
  /** When the last byte came; undefined while the idle clock has not started. */
  let lastByte = limits.idleFromFirstByte ? undefined : start;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failed = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;

  // One timer, moved on only when it fires: a chunk just notes the time, so a
  // body of many chunks costs no timer per chunk.
  const arm = () => {
    const idleDue = lastByte === undefined ? Number.POSITIVE_INFINITY : lastByte + idleMs;
    const due = Math.min(idleDue, start + totalMs);
    if (due === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(check, Math.max(0, due - Date.now()));
  };
  const disarm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const fail = (error: Error) => {
    failed = true;
    controller.error(error);
    reader.cancel(error).catch(() => undefined);
  };
  const check = () => {
    timer = undefined;
    const now = Date.now();
    if (now >= start + totalMs) fail(limits.totalError());
    else if (lastByte !== undefined && now >= lastByte + idleMs) fail(limits.idleError());
    else arm();
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      arm();
    },
    async pull(c) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        disarm();
        if (!failed) c.error(error);
        return;
      }
      if (failed) return;
      if (chunk.done) {
        disarm();
        c.close();
        return;
      }
      if (chunk.value.length > 0) {
        const first = lastByte === undefined;
        lastByte = Date.now();
        if (first) {
          disarm();
          arm();
        }
      }
      c.enqueue(chunk.value);
    },
    cancel(reason) {
      disarm();
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
