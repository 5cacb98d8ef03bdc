/**
 * Time limits on reading a response body: silence (no byte for a while) and the
 * whole body's arrival. `fetch` resolves at the headers, and nothing in it bounds
 * the body after that on every runtime, so a server that stalls or trickles would
 * hold a call open for good.
 */
import type { BodyWatch } from "../core/read-body.js";

/** How long a body may take; `Infinity` turns a limit off. */
export interface BodyTimeLimits {
  /** The longest time without a byte, in ms. */
  idleMs: number;
  /** Whether the silence is counted only from the first byte on (a wait's body). */
  idleFromFirstByte: boolean;
  /** The longest time for the whole body, in ms from the start of the read. */
  totalMs: number;
  /** The error the read fails with when the body was silent too long. */
  idleError: () => Error;
  /** The error the read fails with when the body took too long in all. */
  totalError: () => Error;
}

/**
 * A watch for `readBodyWithin`/`readTextCut` that stops the read with the limit's
 * error (cancelling the body, which closes its connection) when a limit is reached;
 * undefined when both limits are off. One watch serves one read.
 */
export function bodyTimeWatch(limits: BodyTimeLimits): BodyWatch | undefined {
  const { idleMs, totalMs } = limits;
  if (idleMs === Number.POSITIVE_INFINITY && totalMs === Number.POSITIVE_INFINITY) {
    return undefined;
  }
  let start = 0;
  /** When the last byte came; undefined while the idle clock has not started. */
  let lastByte: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stop: (error: Error) => void = () => undefined;

  // One timer, moved on only when it fires: a chunk just notes the time, so a
  // body of many chunks costs no timer per chunk.
  const arm = () => {
    const idleDue = lastByte === undefined ? Number.POSITIVE_INFINITY : lastByte + idleMs;
    const due = Math.min(idleDue, start + totalMs);
    if (due !== Number.POSITIVE_INFINITY) timer = setTimeout(check, Math.max(0, due - Date.now()));
  };
  const disarm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const check = () => {
    timer = undefined;
    const now = Date.now();
    if (now >= start + totalMs) stop(limits.totalError());
    else if (lastByte !== undefined && now >= lastByte + idleMs) stop(limits.idleError());
    else arm();
  };

  return {
    start(stopRead) {
      stop = stopRead;
      start = Date.now();
      lastByte = limits.idleFromFirstByte ? undefined : start;
      arm();
    },
    chunk(size) {
      if (size === 0) return;
      const first = lastByte === undefined;
      lastByte = Date.now();
      // The idle clock of a wait starts now: the timer set so far did not count it.
      if (first) {
        disarm();
        arm();
      }
    },
    end: disarm,
  };
}
