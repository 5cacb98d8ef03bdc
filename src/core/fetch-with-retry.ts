/**
 * One HTTP exchange with retries, on the runtime's own `fetch`: the request is sent
 * as given (string body, plain headers), and sent again while a {@link RetryPolicy}
 * says the failure is worth another try, waiting as the library's retry rules say
 * (`Retry-After`, else backoff with jitter). A request that succeeds at once pays
 * for nothing but the `fetch`.
 */
import type { Dispatcher } from "undici";
import { ApiTimeoutError, OpenApiException } from "./errors.js";
import {
  type AttemptFailure,
  RetryBudget,
  type RetryPolicy,
  retryDelay,
  serverDelay,
} from "./retry.js";
import { maxTimerMs, sleep } from "./sleep.js";

/** `fetch`'s init, plus the undici dispatcher Node's `fetch` accepts for TLS and proxies. */
export interface FetchInit extends RequestInit {
  dispatcher?: Dispatcher;
}

/**
 * An attempt whose response headers did not arrive within the policy's
 * `attemptTimeout`. A signal between the loop and its callers, which turn it
 * into their own `ApiTimeoutError` naming the operation; it never reaches users.
 * It is an `ApiTimeoutError` itself so that, were one to slip through, it would
 * still be caught as what it is.
 */
export class AttemptTimeoutError extends ApiTimeoutError {
  override name = "AttemptTimeoutError";
  constructor(
    /** The attempt's limit in milliseconds. */
    readonly ms: number,
  ) {
    super(`no response headers within ${ms} ms`);
  }
}

/**
 * Retrying was stopped by the policy's `deadline`; `failure` is the attempt that
 * failed last. Callers turn it into their own `OpenApiException`.
 */
export class RetryDeadlineError extends OpenApiException {
  override name = "RetryDeadlineError";
  constructor(
    /** The attempt that failed last. */
    readonly failure: AttemptFailure,
    /** How long the next wait would have been, in ms; undefined when a retry was cut short. */
    readonly wait?: number,
  ) {
    super(
      wait === undefined
        ? "a retry was still under way at the deadline"
        : `the next retry would start in ${Math.round(wait)} ms, after the deadline`,
    );
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
  // Made at the first failure: a request that succeeds at once needs none.
  let budget: RetryBudget | undefined;
  let failure: AttemptFailure | undefined;
  for (;;) {
    try {
      const limit = attemptLimit(policy, failure);
      const response = await (limit === undefined
        ? send(url, init)
        : sendWithin(send, url, init, limit.ms, limit.reason));
      if (response.ok) return response;
      failure = { response };
    } catch (error) {
      if (error instanceof DeadlineReached && failure) throw new RetryDeadlineError(failure);
      if (signal?.aborted) throw error;
      // The library's own errors (a refused redirect, say) would only happen again;
      // an attempt that timed out is the policy's to judge.
      if (error instanceof OpenApiException && !(error instanceof AttemptTimeoutError)) throw error;
      failure = { error };
    }
    budget ??= new RetryBudget(policy.retries);
    const retry = budget.exhausted || !policy.shouldRetry(failure) ? undefined : budget.take();
    if (retry === undefined) {
      if (failure.response) return failure.response;
      throw failure.error;
    }
    // The answer is dropped unread; cancelling frees its connection.
    void failure.response?.body?.cancel().catch(() => undefined);
    const wait = retryDelay(retry, failure, policy);
    if (policy.deadline !== undefined) {
      // A server that asks for a wait past the deadline is not asked again before it.
      const asked = Math.max(wait, serverDelay(failure) ?? 0);
      if (Date.now() + asked > policy.deadline) throw new RetryDeadlineError(failure, asked);
    }
    await sleep(wait, signal);
    policy.onRetry?.(retry, failure);
  }
}

/** Aborts a retry that is still under way when the deadline comes; never leaves this module. */
class DeadlineReached extends OpenApiException {
  override name = "DeadlineReached";
}

/** How long this attempt may wait for its headers, and what it fails with then. */
function attemptLimit(
  policy: RetryPolicy,
  failure: AttemptFailure | undefined,
): { ms: number; reason: () => OpenApiException } | undefined {
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

/** One attempt that fails with `reason()` when its headers take longer than `ms`. */
async function sendWithin(
  send: SendAttempt,
  url: string,
  init: FetchInit,
  ms: number,
  reason: () => OpenApiException,
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
