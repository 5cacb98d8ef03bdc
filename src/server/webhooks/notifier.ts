/**
 * Delivers run status changes to the `webhook` of each run: within the server's
 * {@link WebhookPolicy}, never following a redirect, a bounded number at once,
 * each attempt bounded in time and retried as the client retries its requests.
 */
import { setMaxListeners } from "node:events";
import { ApiValueError } from "../../core/errors.js";
import {
  AttemptTimeoutError,
  type FetchInit,
  fetchWithRetry,
} from "../../core/fetch-with-retry.js";
import { type RetryPolicy, retryableStatuses, retryPolicy } from "../../core/retry.js";
import type { ACPServerLogger } from "../options.js";
import { DeliveryAttempts } from "./attempts.js";
import { describeFailure } from "./failure.js";
import { type WebhookOptions, WebhookPolicy } from "./policy.js";

/** What one delivery sends beside its JSON body, and how its log lines name it. */
export interface DeliveryOptions {
  /**
   * Request headers beside `content-type: application/json` (which they may replace).
   * Their values are never logged.
   */
  headers?: Readonly<Record<string, string>>;
  /** What the log lines call the delivery. Default `webhook delivery`. */
  what?: string;
}

/**
 * What {@link WebhookNotifier.onRunChange} calls: the run, and whether it has push
 * configs as the write of its change found (a promise while that write is under way).
 */
export type RunChangeListener<Run> = (run: Run, pushConfigs: boolean | Promise<boolean>) => void;

/**
 * Queues and sends webhook deliveries. Deliveries of one run go out in order;
 * they never block the run, and a failed or refused one is only logged (without
 * the URL, which may carry credentials).
 *
 * It is also where the server's run executions tell of each run's status changes
 * (`runChanged`), for deliveries other than the run's own webhook to listen to
 * (`onRunChange`): A2A push notifications. `Run` is what they are told.
 */
export class WebhookNotifier<Run = object> {
  readonly policy: WebhookPolicy;
  /** How many A2A push notification configs one task may have. */
  readonly maxPushConfigsPerTask: number;
  /** Each a `(run: Run) => void`; kept untyped so that a notifier of any runs passes for one of `object`. */
  readonly #listeners = new Set<unknown>();
  readonly #logger: ACPServerLogger;
  readonly #attempts: DeliveryAttempts;
  readonly #maxQueued: number;
  readonly #timeoutMs: number;
  readonly #retries: number;
  /** The delivery chain of each run with deliveries under way or waiting. */
  readonly #chains = new Map<string, Promise<void>>();
  /** Deliveries queued and not yet finished. */
  #pending = 0;
  /** Aborts every delivery, waiting or under way: the server closed and its grace ran out. */
  readonly #abandon = new AbortController();
  #closing = false;

  constructor(options: WebhookOptions, logger: ACPServerLogger) {
    this.policy = new WebhookPolicy(options);
    // Every delivery waiting for a slot listens to it: up to maxQueued, by design.
    setMaxListeners(0, this.#abandon.signal);
    this.#logger = logger;
    this.#maxQueued = positive(options.maxQueued, 1000, "maxQueued");
    this.#timeoutMs = positive(options.timeoutMs, 10_000, "timeoutMs");
    this.#retries = whole(options.retries, 2, "retries");
    this.maxPushConfigsPerTask = count(options.maxPushConfigsPerTask, 10, "maxPushConfigsPerTask");
    this.#attempts = new DeliveryAttempts({
      maxConcurrent: count(options.maxConcurrent, 8, "maxConcurrent"),
      timeoutMs: this.#timeoutMs,
      lookup: this.policy.allowPrivateNetworks ? undefined : this.policy.lookup,
    });
  }

  /** Why the policy refuses `url`, or undefined; for checking a webhook when a run is created. */
  refusal(url: string): string | undefined {
    return this.policy.refusal(url);
  }

  /**
   * Listens to the status changes of the runs this process executes (a run starting
   * or resuming, a run ending); returns what stops listening. A listener must not
   * throw, and must not wait: it is called on the run's own path. It is told the run and
   * whether the store's write of the change found A2A push notification configs of the
   * run (see `RunWritten`), or a promise of that while the write is under way.
   */
  onRunChange(listener: RunChangeListener<Run>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells the listeners that `run` changed status (see {@link onRunChange}). */
  runChanged(run: Run, pushConfigs: boolean | Promise<boolean>): void {
    for (const listener of this.#listeners) (listener as RunChangeListener<Run>)(run, pushConfigs);
  }

  /** Queues one delivery of `body` to `url` for the run `runId`. */
  notify(runId: string, url: string, body: unknown, options: DeliveryOptions = {}): void {
    const what = options.what ?? "webhook delivery";
    if (this.#abandon.signal.aborted) return;
    if (this.#pending >= this.#maxQueued) {
      this.#logger.warn(
        `${what} for run ${runId} dropped: ${this.#maxQueued} deliveries are already waiting (webhooks.maxQueued)`,
      );
      return;
    }
    this.#pending += 1;
    const text = JSON.stringify(body);
    const previous = this.#chains.get(runId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#deliver(runId, url, text, what, options.headers))
      .finally(() => {
        this.#pending -= 1;
      });
    this.#chains.set(runId, next);
    void next.finally(() => {
      if (this.#chains.get(runId) === next) this.#chains.delete(runId);
    });
  }

  /**
   * Resolves once every queued delivery has been made or given up; after
   * `timeoutMs`, those still waiting or under way are abandoned. Retries stop
   * from now on: a closing server sends each delivery once.
   */
  async drain(): Promise<void> {
    this.#closing = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#timeoutMs);
    });
    const settled = Promise.allSettled([...this.#chains.values()]).then(() => undefined);
    await Promise.race([settled, graceOver]);
    clearTimeout(timer);
    if (this.#pending > 0) {
      this.#logger.warn(
        `${this.#pending} webhook deliveries abandoned: the server closed and they did not finish within ${this.#timeoutMs} ms`,
      );
      this.#abandon.abort();
      await settled;
    }
  }

  async #deliver(
    runId: string,
    url: string,
    body: string,
    what: string,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    const refusal = this.policy.refusal(url);
    if (refusal) {
      this.#logger.warn(`${what} for run ${runId} refused: ${refusal}`);
      return;
    }
    const init: FetchInit = {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      redirect: "manual",
      signal: this.#abandon.signal,
    };
    try {
      const response = await fetchWithRetry(url, init, this.#retryPolicy(), (target, attempt) =>
        this.#attempts.send(target, attempt),
      );
      if (response.ok) return;
      const why =
        response.status >= 300 && response.status < 400
          ? `answered ${response.status}; redirects are not followed`
          : `answered ${response.status}`;
      this.#logger.warn(`${what} for run ${runId} was not accepted: ${why}`);
    } catch (error) {
      this.#logger.warn(`${what} for run ${runId} failed: ${describeFailure(error, url)}`);
    }
  }

  #retryPolicy(): RetryPolicy {
    return retryPolicy({
      retries: this.#retries,
      // No attemptTimeout: DeliveryAttempts times each attempt from when it has its
      // slot, not from when it starts to wait behind the deliveries under way.
      // A timed-out endpoint is hanging: trying again would only hold a slot longer.
      shouldRetry: ({ response, error }) =>
        !this.#closing &&
        (response
          ? retryableStatuses.includes(response.status)
          : !(error instanceof AttemptTimeoutError) && !this.#abandon.signal.aborted),
    });
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new ApiValueError(`webhooks.${name} must be a positive number, got ${value}`, [
      "webhooks",
      name,
    ]);
  }
  return value;
}

function count(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value > 0)) {
    throw new ApiValueError(`webhooks.${name} must be a whole number >= 1, got ${value}`, [
      "webhooks",
      name,
    ]);
  }
  return value;
}

function whole(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value >= 0)) {
    throw new ApiValueError(`webhooks.${name} must be a whole number >= 0, got ${value}`, [
      "webhooks",
      name,
    ]);
  }
  return value;
}
