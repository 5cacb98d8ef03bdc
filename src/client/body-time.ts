/**
 * Time limits on reading a response body: silence (no byte for a while) and the
 * whole body's arrival. `fetch` resolves at the headers, and nothing in it bounds
 * the body after that on every runtime, so a server that stalls or trickles would
 * hold a call open for good.
 */
import type { BodyWatch } from "../core/read-body.js";
import { maxTimerMs } from "../core/sleep.js";

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
  if (limits.idleMs === Number.POSITIVE_INFINITY && limits.totalMs === Number.POSITIVE_INFINITY) {
    return undefined;
  }
  return new TimeWatch(limits);
}

/** The reads under way, which the one shared timer checks when it fires. */
const reading = new Set<TimeWatch>();
let timer: ReturnType<typeof setTimeout> | undefined;
/** When the shared timer fires; `Infinity` when it is not set. */
let timerDue = Number.POSITIVE_INFINITY;

/**
 * Sets the shared timer to fire by `due` at the latest. One timer serves every read:
 * it is moved only for a read due sooner than it, so back-to-back calls with the same
 * limits set no timer each, and a timer that finds nothing due sets itself again for
 * the next read that is.
 */
function fireBy(due: number): void {
  if (due >= timerDue) return;
  if (timer !== undefined) clearTimeout(timer);
  timerDue = due;
  // A longer wait than a timer holds fires early, finds nothing due and sets it again.
  timer = setTimeout(checkReads, Math.min(maxTimerMs, Math.max(0, due - Date.now())));
  // It keeps no process alive by itself: a read under way waits on its own connection.
  (timer as { unref?: () => void }).unref?.();
}

function checkReads(): void {
  timer = undefined;
  timerDue = Number.POSITIVE_INFINITY;
  const now = Date.now();
  let next = Number.POSITIVE_INFINITY;
  for (const watch of reading) next = Math.min(next, watch.check(now));
  if (next !== Number.POSITIVE_INFINITY) fireBy(next);
}

/** The clocks of one read; the shared timer asks it what is due. */
class TimeWatch implements BodyWatch {
  readonly #limits: BodyTimeLimits;
  #start = 0;
  /** When the last byte came; undefined while the idle clock has not started. */
  #lastByte: number | undefined;
  #stop: (error: Error) => void = () => undefined;

  constructor(limits: BodyTimeLimits) {
    this.#limits = limits;
  }

  start(stop: (error: Error) => void): void {
    this.#stop = stop;
    this.#start = Date.now();
    this.#lastByte = this.#limits.idleFromFirstByte ? undefined : this.#start;
    const due = this.#due();
    // A wait's body without a total limit has no clock running before its first byte.
    if (due === Number.POSITIVE_INFINITY) return;
    reading.add(this);
    fireBy(due);
  }

  chunk(size: number): void {
    if (size === 0) return;
    const first = this.#lastByte === undefined;
    // A chunk just notes the time: the timer is not moved for it.
    this.#lastByte = Date.now();
    // The idle clock of a wait starts now.
    if (first) {
      reading.add(this);
      fireBy(this.#due());
    }
  }

  end(): void {
    reading.delete(this);
  }

  /** Stops the read when a limit is reached by `now`; else says when the next one is due. */
  check(now: number): number {
    const limits = this.#limits;
    if (now >= this.#start + limits.totalMs) return this.#fail(limits.totalError());
    const lastByte = this.#lastByte;
    if (lastByte !== undefined && now >= lastByte + limits.idleMs) {
      return this.#fail(limits.idleError());
    }
    return this.#due();
  }

  #fail(error: Error): number {
    reading.delete(this);
    this.#stop(error);
    return Number.POSITIVE_INFINITY;
  }

  #due(): number {
    const lastByte = this.#lastByte;
    const idleDue =
      lastByte === undefined ? Number.POSITIVE_INFINITY : lastByte + this.#limits.idleMs;
    return Math.min(idleDue, this.#start + this.#limits.totalMs);
  }
}
