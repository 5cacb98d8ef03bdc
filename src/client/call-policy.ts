/**
 * The call policy: which failures are sent again (retries), which redirects are
 * followed, what a wait answered 204 does, and the timeout a call's timer keeps.
 */
import { ApiWaitNoContentError } from "../core/errors.js";
import { isCredentialHeaderName } from "../core/redact.js";
import {
  type AttemptFailure,
  defaultBackoff,
  jitteredBackoff,
  type RetryPolicy,
  retryAfterStatuses,
  retryableStatuses,
} from "../core/retry.js";
import { sleep } from "../core/sleep.js";
import type { Operation } from "../operations.js";
import {
  type ApiClientConfiguration,
  defaultRetryBackoff,
  type RetryBackoff,
  type Timeout,
} from "./configuration.js";
import type { BuiltRequest } from "./credentials.js";
import { errorCode, headersObject } from "./http-util.js";
import { isNode } from "./node-dispatcher.js";
import type { RedirectRules } from "./redirects.js";

/** The pause before asking a wait again after its `attempt`-th 204: up to 200 ms doubling, at most 2 s. */
const waitAgainPause = jitteredBackoff(200, 2_000);

/** Connection errors raised before a request reached the server. */
const notSentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const idempotentMethods = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/**
 * The retry rules of one call: what cannot do harm twice. An idempotent request is
 * sent again after a busy answer or a lost connection; any request that never
 * reached the server, or was answered 429/503 with `Retry-After` (which says it
 * was not processed). A request fetch itself refused (a blocked port) is not sent
 * again, whatever its method: nothing about it would change.
 */
export class CallRetryPolicy implements RetryPolicy {
  readonly maxRetryAfter: number;
  readonly backoff: (retry: number) => number;
  readonly retries: number;
  readonly deadline: number | undefined;
  readonly #configuration: ApiClientConfiguration;
  readonly #operation: Operation;
  readonly #signal: AbortSignal | undefined;
  readonly #log: (message: string) => void;

  constructor(
    configuration: ApiClientConfiguration,
    operation: Operation,
    signal: AbortSignal | undefined,
    retries: number,
    log: (message: string) => void,
    deadline: number | undefined,
  ) {
    this.retries = retries;
    this.maxRetryAfter = configuration.backoff.maxRetryAfter;
    this.backoff = backoffOf(configuration.backoff);
    this.deadline = deadline;
    this.#configuration = configuration;
    this.#operation = operation;
    this.#signal = signal;
    this.#log = log;
  }

  shouldRetry({ response, error }: AttemptFailure): boolean {
    if (this.#signal?.aborted) return false;
    const idempotent = idempotentMethods.has(this.#operation.method);
    if (response) {
      const { status, headers } = response;
      if (!retryableStatuses.includes(status)) return false;
      if (retryAfterStatuses.includes(status) && headers.has("retry-after")) return true;
      return idempotent;
    }
    // A failure without a network error code is fetch refusing the request itself
    // (a blocked port, say): sending it again cannot help, whatever the method.
    const code = errorCode(error);
    if (code === undefined) return false;
    return idempotent || notSentCodes.has(code);
  }

  onRetry(retry: number, failure: AttemptFailure): void {
    if (this.#configuration.debug) {
      this.#log(`retry ${retry} of ${this.#operation.operationId} after ${describe(failure)}`);
    }
  }
}

/** The waits of `backoff`: the library's own function when it is the default. */
export function backoffOf(backoff: Readonly<RetryBackoff>): (retry: number) => number {
  return backoff === defaultRetryBackoff
    ? defaultBackoff
    : jitteredBackoff(backoff.initialDelay, backoff.maxDelay);
}

/** Which headers and query parameters of `request` are credentials, for redirects. */
export function redirectRulesOf(
  configuration: ApiClientConfiguration,
  operation: Operation,
  request: BuiltRequest,
  maxRedirects: number,
): RedirectRules {
  const configured = request.credentialHeaders;
  return {
    crossOrigin: configuration.crossOriginRedirects,
    max: maxRedirects,
    isCredentialHeader: (name) => configured.includes(name) || isCredentialHeaderName(name),
    credentialQueryNames: request.credentialQueryNames,
    operationId: operation.operationId,
    fetch: configuration.fetch,
  };
}

/**
 * A wait answered 204 No Content: the server's own wait ran out before the run
 * stopped (the Python reference server does this). A wait on a known run asks again,
 * with a short growing pause, until an answer comes or the call's timeout or signal
 * ends it; a wait that created its run cannot, since the answer names no run.
 */
export async function waitAgain(
  operation: Operation,
  signal: AbortSignal | undefined,
  first: Response,
  /** Sends the wait again, as a request of its own with its own time for retries. */
  resend: () => Promise<Response>,
): Promise<Response> {
  let response = first;
  for (let attempt = 0; response.status === 204; attempt++) {
    if (operation.method !== "GET") {
      throw new ApiWaitNoContentError({
        reason: response.statusText,
        headers: headersObject(response.headers),
        operationId: operation.operationId,
        detail:
          "the server's wait ended before the run did, and its answer names no run to wait on (find the run by its metadata and wait on it)",
      });
    }
    await sleep(waitAgainPause(attempt), signal);
    response = await resend();
  }
  return response;
}

/** The configured timeout the request timer enforces; connect/read pairs go to the dispatcher on Node. */
export function deadlineTimeout(configuration: ApiClientConfiguration): Timeout | undefined {
  const timeout = configuration.timeout;
  return typeof timeout === "object" && isNode() ? undefined : timeout;
}

function describe({ response, error }: AttemptFailure): string {
  if (response) return `status ${response.status}`;
  return errorCode(error) ?? (error instanceof Error ? error.name : "an error");
}
