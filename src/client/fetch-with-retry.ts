/**
 * One HTTP exchange with retries, on the runtime's own `fetch`: the request is sent
 * as given (string body, plain headers), and sent again while a {@link RetryPolicy}
 * says the failure is worth another try, waiting as `Retry-After` asks or by
 * exponential backoff with jitter. A request that succeeds at once pays for nothing
 * but the `fetch`.
 */
import type { Dispatcher } from "undici";
import { maxTimerMs, sleep } from "../core/sleep.js";

/** `fetch`'s init, plus the undici dispatcher Node's `fetch` accepts for TLS and proxies. */
export interface FetchInit extends RequestInit {
  dispatcher?: Dispatcher;
}

/** What went wrong with one attempt: an answer with an error status, or no answer at all. */
export type AttemptFailure =
  | { response: Response; error?: undefined }
  | { error: unknown; response?: undefined };

/** Decides whether, and after how long, a failed request is sent again. */
export interface RetryPolicy {
  /** How many times a request may be sent again after its first attempt. */
  retries: number;
  /** Whether the request may be sent again after this failure (retries left is checked apart). */
  shouldRetry(failure: AttemptFailure): boolean;
  /** Statuses whose `Retry-After` is honoured; other answers wait by {@link backoff}. */
  retryAfterStatuses: readonly number[];
  /** The longest wait a `Retry-After` may ask for, in ms; longer ones are cut to it. */
  maxRetryAfter: number;
  /** The wait in ms before retry number `retry` (1, 2, ...) when the server named none. */
  backoff(retry: number): number;
  /**
   * Milliseconds each attempt may take until its response headers arrive; the
   * attempt then fails with {@link AttemptTimeoutError}. No limit when absent.
   */
  attemptTimeout?: number;
  /**
   * The time (`Date.now()` ms) by which retries are over: a wait that would end
   * later is not started and a retry still under way then is aborted, both with
   * {@link RetryDeadlineError}. The first attempt is not bounded by it.
   */
  deadline?: number;
  /** Told when retry number `retry` is about to be sent, after its wait. */
  onRetry?(retry: number, failure: AttemptFailure): void;
}

/** An attempt whose response headers did not arrive within the policy's `attemptTimeout`. */
export class AttemptTimeoutError extends Error {
  /** The attempt's limit in milliseconds. */
  readonly ms: number;

  constructor(ms: number) {
    super(`no response headers within ${ms} ms`);
    this.name = "AttemptTimeoutError";
    this.ms = ms;
  }
}

/** Retrying was stopped by the policy's `deadline`; `failure` is the attempt that failed last. */
export class RetryDeadlineError extends Error {
  /** How long the next wait would have been, in ms; undefined when a retry was cut short. */
  readonly wait: number | undefined;
  readonly failure: AttemptFailure;

  constructor(failure: AttemptFailure, wait?: number) {
    super(
      wait === undefined
        ? "a retry was still under way at the deadline"
        : `the next retry would start in ${Math.round(wait)} ms, after the deadline`,
    );
    this.name = "RetryDeadlineError";
    this.failure = failure;
    this.wait = wait;
  }
}

/** One attempt: `fetch` itself, or a wrapper that follows redirects its own way. */
export type SendAttempt = (url: string, init: FetchInit) => Promise<Response>;

const plainFetch: SendAttempt = (url, init) => fetch(url, init as RequestInit);

/**
 * Sends `init` to `url` until it gets a 2xx answer, an answer or error the policy
 * does not retry, or the policy's retries run out. Resolves to the last response,
 * whatever its status (callers decide what an error status means); rejects with
 * the last `fetch` error. `init.signal` also ends the wait between attempts.
 */
export async function fetchWithRetry(
  url: string,
  init: FetchInit,
  policy: RetryPolicy,
  send: SendAttempt = plainFetch,
): Promise<Response> {
  const signal = init.signal ?? undefined;
  let failure: AttemptFailure | undefined;
  for (let retry = 1; ; retry++) {
    try {
      const limit = attemptLimit(policy, failure);
      const response = await (limit === undefined
        ? send(url, init)
        : sendWithin(send, url, init, limit.ms, limit.reason));
      if (response.ok || retry > policy.retries) return response;
      failure = { response };
      if (!policy.shouldRetry(failure)) return response;
      // The answer is dropped unread; cancelling frees its connection.
      void response.body?.cancel().catch(() => undefined);
    } catch (error) {
      if (error instanceof DeadlineReached && failure) throw new RetryDeadlineError(failure);
      if (retry > policy.retries || signal?.aborted) throw error;
      failure = { error };
      if (!policy.shouldRetry(failure)) throw error;
    }
    const wait = retryDelay(retry, failure, policy);
    if (policy.deadline !== undefined) {
      // A server that asks for a wait past the deadline is not asked again before it.
      const asked = Math.max(wait, serverDelay(failure, policy) ?? 0);
      if (Date.now() + asked > policy.deadline) throw new RetryDeadlineError(failure, asked);
    }
    await sleep(wait, signal);
    policy.onRetry?.(retry, failure);
  }
}

/** Aborts a retry that is still under way when the deadline comes. */
class DeadlineReached extends Error {}

/** How long this attempt may wait for its headers, and what it fails with then. */
function attemptLimit(
  policy: RetryPolicy,
  failure: AttemptFailure | undefined,
): { ms: number; reason: () => Error } | undefined {
  const timeout = policy.attemptTimeout;
  const left =
    failure === undefined || policy.deadline === undefined
      ? undefined
      : Math.max(0, policy.deadline - Date.now());
  if (left !== undefined && (timeout === undefined || left < timeout)) {
    return { ms: left, reason: () => new DeadlineReached() };
  }
  if (timeout === undefined) return undefined;
  return { ms: timeout, reason: () => new AttemptTimeoutError(timeout) };
}

/** The wait before retry number `retry`: the server's `Retry-After` where honoured, else backoff. */
export function retryDelay(retry: number, failure: AttemptFailure, policy: RetryPolicy): number {
  const after = serverDelay(failure, policy);
  return after === undefined ? policy.backoff(retry) : Math.min(after, policy.maxRetryAfter);
}

/** The wait a failure's `Retry-After` asks for, uncut, when the policy honours it. */
function serverDelay(failure: AttemptFailure, policy: RetryPolicy): number | undefined {
  const response = failure.response;
  if (!response || !policy.retryAfterStatuses.includes(response.status)) return undefined;
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

/**
 * Exponential backoff with full jitter: retry `n` waits a random time up to
 * `base * 2^(n-1)` ms, never more than `limit`. Random waits keep many clients
 * that failed together from retrying together.
 */
export function jitteredBackoff(base = 300, limit = 30_000): (retry: number) => number {
  return (retry) => Math.min(limit, Math.random() * base * 2 ** (retry - 1));
}

/** One attempt that fails with `reason()` when its headers take longer than `ms`. */
async function sendWithin(
  send: SendAttempt,
  url: string,
  init: FetchInit,
  ms: number,
  reason: () => Error,
): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(reason()), Math.min(ms, maxTimerMs));
  const signal = init.signal
    ? AbortSignal.any([init.signal, controller.signal])
    : controller.signal;
  try {
    return await send(url, { ...init, signal });
  } finally {
    clearTimeout(timer);
  }
}
