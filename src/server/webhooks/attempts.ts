/**
 * Delivery attempts, a bounded number at once, each on a connection of its own
 * that is closed before its slot is free again: `maxConcurrent` bounds the
 * sockets open to webhook endpoints, not only the requests under way (a pool's
 * idle keep-alive sockets would count for nothing and pile up across endpoints).
 * An attempt's time limit starts when it has its slot, so a burst that waits its
 * turn does not use up its time waiting.
 */
import type { LookupFunction } from "node:net";
import { Agent } from "undici";
import { AttemptTimeoutError, type FetchInit } from "../../core/fetch-with-retry.js";
import { maxTimerMs } from "../../core/sleep.js";
import { Slots } from "./slots.js";

/** What {@link DeliveryAttempts} needs. */
export interface DeliveryAttemptsOptions {
  /** How many attempts, and so sockets, at once. */
  maxConcurrent: number;
  /** How long one attempt may take, from its slot to the answer's headers, in ms. */
  timeoutMs: number;
  /** Resolves names for the connections (the webhook policy's check); the system's when absent. */
  lookup?: LookupFunction | undefined;
}

/** Sends delivery attempts within the slots, each on its own connection. */
export class DeliveryAttempts {
  readonly #slots: Slots;
  readonly #timeoutMs: number;
  readonly #lookup: LookupFunction | undefined;

  constructor(options: DeliveryAttemptsOptions) {
    this.#slots = new Slots(options.maxConcurrent);
    this.#timeoutMs = options.timeoutMs;
    this.#lookup = options.lookup;
  }

  /**
   * Sends one attempt once a slot is free; `init.signal` also gives up the wait for
   * one. Resolves to the answer's status and headers (its body is not read); the
   * connection is closed before the slot is handed on. Fails with an
   * {@link AttemptTimeoutError} when the headers take longer than the time limit.
   */
  send(url: string, init: FetchInit): Promise<Response> {
    return this.#slots.run(() => this.#attempt(url, init), init.signal ?? undefined);
  }

  async #attempt(url: string, init: FetchInit): Promise<Response> {
    // pipelining 0: no keep-alive, so the request says `connection: close` and the
    // endpoint closes its end first, as soon as it has answered.
    const connection = new Agent({
      pipelining: 0,
      ...(this.#lookup ? { connect: { lookup: this.#lookup } } : {}),
    });
    const timeout = new AbortController();
    const ms = this.#timeoutMs;
    const timer = setTimeout(
      () => timeout.abort(new AttemptTimeoutError(ms)),
      Math.min(ms, maxTimerMs),
    );
    const signal = init.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
    try {
      const response = await fetch(url, {
        ...init,
        signal,
        dispatcher: connection,
      } as RequestInit);
      // The body is not wanted; what matters is that the socket is gone with it.
      await response.body?.cancel().catch(() => undefined);
      return new Response(null, { status: response.status, headers: response.headers });
    } finally {
      clearTimeout(timer);
      // Resolves once the socket is closed, so the next attempt's socket is never
      // open beside it.
      await connection.destroy().catch(() => undefined);
    }
  }
}
