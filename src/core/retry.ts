/**
 * The library's one retry policy: which answers are worth another try, how long to
 * wait (the server's `Retry-After`, else exponential backoff with full jitter), and
 * how many tries a request or a stream may spend. Client requests, stream re-joins,
 * the API bridge and webhook deliveries all wait by these rules.
 */

/** What went wrong with one attempt: an answer with an error status, or no answer at all. */
export type AttemptFailure =
  | { response: Response; error?: undefined }
  | { error: unknown; response?: undefined };

/**
 * Answers that say "try again": the server timed out waiting for the request, is
 * rate limiting, or a gateway or the server is briefly unavailable.
 */
export const retryableStatuses: readonly number[] = [408, 429, 502, 503, 504];

/**
 * Answers whose `Retry-After` is honoured. A 429 or 503 with `Retry-After` also
 * promises the request was not processed, so even a POST may be sent again.
 */
export const retryAfterStatuses: readonly number[] = [429, 503];

/** The longest `Retry-After` wait honoured by default, in ms; longer ones are cut to it. */
export const defaultMaxRetryAfter = 60_000;

/** Decides whether, and after how long, a failed request is sent again. */
export interface RetryPolicy {
  /** How many times a request may be sent again after its first attempt. */
  retries: number;
  /** Whether the request may be sent again after this failure (retries left is checked apart). */
  shouldRetry(failure: AttemptFailure): boolean;
  /** The longest wait a `Retry-After` may ask for, in ms; longer ones are cut to it. */
  maxRetryAfter: number;
  /** The wait in ms before retry number `retry` (1, 2, ...) when the server named none. */
  backoff(retry: number): number;
  /**
   * Milliseconds each attempt may take until its response headers arrive; the
   * attempt then fails with an `AttemptTimeoutError`. No limit when absent.
   */
  attemptTimeout?: number;
  /**
   * The time (`Date.now()` ms) by which retries are over: a wait that would end
   * later is not started and a retry still under way then is aborted, both with a
   * `RetryDeadlineError`. The first attempt is not bounded by it.
   */
  deadline?: number;
  /** Told when retry number `retry` is about to be sent, after its wait. */
  onRetry?(retry: number, failure: AttemptFailure): void;
}

/** What a {@link retryPolicy} needs; the waits default to the library's rules. */
export type RetryPolicyInit = Pick<RetryPolicy, "retries" | "shouldRetry"> &
  Partial<Omit<RetryPolicy, "retries" | "shouldRetry">>;

/** A policy with the library's backoff and `Retry-After` cap unless `init` names others. */
export function retryPolicy(init: RetryPolicyInit): RetryPolicy {
  return { maxRetryAfter: defaultMaxRetryAfter, backoff: defaultBackoff, ...init };
}

/** The wait before retry number `retry`: the server's `Retry-After` where honoured, else backoff. */
export function retryDelay(retry: number, failure: AttemptFailure, policy: RetryPolicy): number {
  const after = serverDelay(failure);
  return after === undefined ? policy.backoff(retry) : Math.min(after, policy.maxRetryAfter);
}

/** The wait a failure's `Retry-After` asks for, uncut, when its status is one that honours it. */
export function serverDelay(failure: AttemptFailure): number | undefined {
  const response = failure.response;
  if (!response || !retryAfterStatuses.includes(response.status)) return undefined;
  return parseRetryAfter(response.headers.get("retry-after"));
}

/**
 * A `Retry-After` value in milliseconds from now: delay-seconds or an HTTP date
 * (a past date is 0). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  // Every HTTP date form names a day or month; `Date.parse` alone also takes "-3" or "2".
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The longest wait before a first retry by default, in ms; later ones may wait twice as long each. */
export const defaultInitialBackoff = 300;

/** The longest wait before any retry by default, in ms. */
export const defaultMaxBackoff = 30_000;

/**
 * Exponential backoff with full jitter: retry `n` waits a random time up to
 * `base * 2^(n-1)` ms, never more than `limit`. Random waits keep many clients
 * that failed together from retrying together.
 */
export function jitteredBackoff(
  base = defaultInitialBackoff,
  limit = defaultMaxBackoff,
): (retry: number) => number {
  return (retry) => Math.min(limit, Math.random() * base * 2 ** (retry - 1));
}

/** The library's backoff: up to 300 ms before the first retry, doubling, at most 30 s. */
export const defaultBackoff = jitteredBackoff();

/**
 * How many retries are left. A request spends one per attempt after its first; a
 * stream spends one per re-join and gets them all back when an event arrives.
 */
export class RetryBudget {
  /** Retries spent since the budget was last given back. */
  spent = 0;

  constructor(readonly retries: number) {}

  /** True when no retry is left. */
  get exhausted(): boolean {
    return this.spent >= this.retries;
  }

  /** The number (1, 2, ...) of the retry that may now be made, or `undefined` when none is left. */
  take(): number | undefined {
    return this.spent < this.retries ? ++this.spent : undefined;
  }

  /** Gives every retry back, after progress that shows the peer works. */
  refill(): void {
    this.spent = 0;
  }
}
