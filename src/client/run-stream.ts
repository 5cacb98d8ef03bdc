/**
 * A run's output stream as an async iterable that survives dropped connections:
 * after a drop it joins the run's stream again with `Last-Event-ID`, so the
 * consumer sees each event once, in order.
 */

import {
  ApiAbortError,
  ApiConnectionError,
  ApiException,
  ApiStreamIdleError,
  ApiStreamRejoinError,
  ApiStreamRejoinIdError,
  ApiStreamRejoinLimitError,
  OpenApiException,
} from "../core/errors.js";
import { defaultBackoff, RetryBudget } from "../core/retry.js";
import { sleep } from "../core/sleep.js";
import type { RunOutputStream } from "../models/index.js";
import { type ClientLimits, defaultClientLimits } from "./limits.js";
import { RunOutputReader } from "./sse.js";
import type { RejoinIds } from "./types.js";

/** Where a stream stands when it has to be joined again. */
export interface StreamPosition {
  /** The id of the last event delivered. */
  lastEventId: string | undefined;
  /** The run the events belong to, once the response or an event has named it. */
  runId: string | undefined;
}

/** How a {@link RunEventStream} gets its responses. */
export interface RunEventStreamSource {
  /** The operation, for messages. */
  operationId: string;
  /** Opens the stream the first time. */
  open(): Promise<Response>;
  /**
   * Opens the stream again after a drop, from after `position.lastEventId`;
   * undefined when the stream cannot be re-joined from there. Each call is one
   * attempt: the stream counts them against `retries`.
   */
  rejoin(position: StreamPosition): Promise<Response> | undefined;
  /** How many re-joins to try in a row before giving up. */
  retries: number;
  /**
   * The wait in ms before re-join number `retry` (1, 2, ...); the library's
   * backoff when absent (a client's comes from its configuration's `backoff`).
   */
  backoff?: (retry: number) => number;
  /** The caller's signal: when it fires, the stream stops with `ApiAbortError`. */
  signal?: AbortSignal | undefined;
  /** The id the stream starts after, when joining from a known point. */
  lastEventId?: string | undefined;
  /** How the server numbers a re-joined stream's events; `"resume"` by default. */
  rejoinIds?: RejoinIds | undefined;
  /** The stream's limits; the client's defaults when absent. */
  limits?: StreamLimits;
}

/** The limits that bound a stream: frame size, silence, and re-joins in all. */
export type StreamLimits = Pick<
  ClientLimits,
  "maxSseFrameBytes" | "streamIdleTimeout" | "maxStreamRejoins"
>;

const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The events of a run as they come. Iterate once with `for await`; the request
 * starts when iteration does, and breaking out closes the connection.
 */
export class RunEventStream implements AsyncIterable<RunOutputStream> {
  /** The id of the last event delivered: pass it as `lastEventId` to join again later. */
  lastEventId: string | undefined;
  /**
   * The run the events belong to, once known: from the response's
   * `Content-Location` (`/runs/{run_id}`), or from the first event that names it.
   */
  runId: string | undefined;
  readonly #source: RunEventStreamSource;
  readonly #limits: StreamLimits;
  readonly #backoff: (retry: number) => number;
  #first: Response | undefined;
  #started = false;
  /** Re-joins left before the stream gives up; every delivered event gives them back. */
  readonly #budget: RetryBudget;
  /** Re-join attempts since the stream started, whatever was delivered in between. */
  #rejoins = 0;
  #reader: RunOutputReader | undefined;
  /** True after a re-join until an event not seen before arrives. */
  #rejoined = false;
  /** Set once the stream has ended, failed or been stopped by its consumer. */
  #closed = false;

  /** `first` is an already open response to read before any re-join. */
  constructor(source: RunEventStreamSource, first?: Response) {
    this.#source = source;
    this.#limits = source.limits ?? defaultClientLimits;
    this.#backoff = source.backoff ?? defaultBackoff;
    this.#first = first;
    this.#budget = new RetryBudget(source.retries);
    this.lastEventId = source.lastEventId;
  }

  /**
   * Hands out the events of one network chunk from memory and awaits the network
   * only when they are used up, so an event costs no more than a resolved promise.
   */
  [Symbol.asyncIterator](): AsyncIterator<RunOutputStream, undefined, undefined> {
    if (this.#started) {
      const error = new OpenApiException(
        `${this.#source.operationId}: a stream can be iterated only once`,
      );
      return { next: () => Promise.reject(error) };
    }
    this.#started = true;
    let batch: RunOutputStream[] = [];
    let index = 0;
    let refilling: Promise<IteratorResult<RunOutputStream, undefined>> | undefined;

    const deliver = (event: RunOutputStream): IteratorYieldResult<RunOutputStream> => {
      // `""` is SSE's "no id": nothing to send back as Last-Event-ID.
      this.lastEventId = event.id === "" ? undefined : event.id;
      if (event.data.run_id !== undefined) this.runId = event.data.run_id;
      this.#budget.refill();
      return { done: false, value: event };
    };
    const refill = async (): Promise<IteratorResult<RunOutputStream, undefined>> => {
      try {
        for (let next = await this.#nextBatchSoon(); next; next = await this.#nextBatchSoon()) {
          batch = next;
          index = 0;
          if (batch.length > 0) return deliver(batch[index++] as RunOutputStream);
        }
        await this.#close();
        return done;
      } catch (error) {
        await this.#close();
        throw error;
      }
    };
    const next = (): Promise<IteratorResult<RunOutputStream, undefined>> => {
      if (refilling) return refilling.then(next, next);
      if (index < batch.length) return Promise.resolve(deliver(batch[index++] as RunOutputStream));
      refilling = refill().finally(() => {
        refilling = undefined;
      });
      return refilling;
    };
    const stop = async () => {
      batch = [];
      await this.#close();
    };
    return {
      next,
      return: async () => {
        await stop();
        return done;
      },
      throw: async (error?: unknown) => {
        await stop();
        throw error;
      },
    };
  }

  /**
   * {@link #nextBatch}, or `ApiStreamIdleError` when it brings no event within
   * `streamIdleTimeout`: keep-alive comments yield no batch, so they do not count,
   * nor do events a re-join repeats.
   */
  #nextBatchSoon(): Promise<RunOutputStream[] | undefined> {
    const ms = this.#limits.streamIdleTimeout;
    if (ms === Number.POSITIVE_INFINITY) return this.#nextBatch();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ApiStreamIdleError(ms, this.#source.operationId, this.lastEventId));
        void this.#close();
      }, ms);
      this.#nextBatch().then(
        (events) => {
          clearTimeout(timer);
          resolve(events);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * The events of the next chunk, re-joining after a drop; undefined once the
   * stream has ended or was closed.
   */
  async #nextBatch(): Promise<RunOutputStream[] | undefined> {
    const source = this.#source;
    if (!this.#reader && !this.#closed) this.#adopt(await this.#openFirst());
    for (;;) {
      if (!this.#reader) return undefined;
      try {
        const events = await this.#reader.read();
        if (events === undefined || !this.#rejoined) return events;
        return this.#afterRejoin(events);
      } catch (error) {
        if (this.#closed) return undefined;
        if (error instanceof OpenApiException) throw error;
        if (source.signal?.aborted) throw new ApiAbortError(source.operationId, { cause: error });
        this.#adopt(await this.rejoin(error));
        this.#rejoined = true;
      }
    }
  }

  async #openFirst(): Promise<Response> {
    const response = this.#first ?? (await this.#source.open());
    this.#first = undefined;
    this.runId ??= runIdFromLocation(response.headers.get("content-location"));
    return response;
  }

  /** Reads `response` from now on; one that opened after the stream was closed is closed too. */
  #adopt(response: Response): void {
    const reader = new RunOutputReader(bodyOf(response), this.#source.operationId, {
      partialFrame: "error",
      lastEventId: this.lastEventId,
      maxFrameBytes: this.#limits.maxSseFrameBytes,
    });
    if (this.#closed) void reader.cancel();
    else this.#reader = reader;
  }

  /** Closes the stream for good: no more reads, no re-joins. */
  async #close(): Promise<void> {
    this.#closed = true;
    const reader = this.#reader;
    this.#reader = undefined;
    await reader?.cancel();
    await this.#first?.body?.cancel().catch(() => undefined);
    this.#first = undefined;
  }

  /**
   * The first events of a re-joined stream, read as `rejoinIds` says the server
   * numbers them: an event that does not come after the last one delivered is an
   * error (`resume`), a replay to skip (`replay`), or new (`per-connection`). Never
   * dropped unless the caller said the server replays.
   */
  #afterRejoin(events: RunOutputStream[]): RunOutputStream[] {
    const rule = this.#source.rejoinIds ?? "resume";
    let seen = 0;
    if (rule !== "per-connection") {
      while (seen < events.length && this.alreadySeen((events[seen] as RunOutputStream).id)) seen++;
    }
    if (seen > 0 && rule === "resume") {
      throw new ApiStreamRejoinIdError(
        this.#source.operationId,
        this.lastEventId as string,
        (events[0] as RunOutputStream).id,
      );
    }
    if (seen < events.length) this.#rejoined = false;
    return seen === 0 ? events : events.slice(seen);
  }

  /**
   * Joins the stream again after a drop, with backoff. Gives up after `retries`
   * drops or failed attempts in a row without an event delivered in between, or
   * after `maxStreamRejoins` attempts in all.
   */
  private async rejoin(drop: unknown): Promise<Response> {
    const source = this.#source;
    const where =
      this.lastEventId === undefined ? "before any event" : `after event ${this.lastEventId}`;
    let lastError: unknown = drop;
    for (let retry = this.#budget.take(); retry !== undefined; retry = this.#budget.take()) {
      if (++this.#rejoins > this.#limits.maxStreamRejoins) {
        throw new ApiStreamRejoinLimitError(
          this.#limits.maxStreamRejoins,
          source.operationId,
          this.lastEventId,
          { cause: lastError },
        );
      }
      await pause(this.#backoff(retry), source.signal, source.operationId);
      const opening = source.rejoin({ lastEventId: this.lastEventId, runId: this.runId });
      if (!opening) {
        throw new ApiStreamRejoinError(
          `the stream dropped ${where} and cannot be re-joined: no run id is known yet (the response named none in Content-Location)`,
          source.operationId,
          this.lastEventId,
          { cause: drop },
        );
      }
      try {
        return await opening;
      } catch (error) {
        if (error instanceof ApiException) {
          throw new ApiStreamRejoinError(
            `the stream dropped ${where} and the server refused to re-join it (${error.status})`,
            source.operationId,
            this.lastEventId,
            { cause: error },
          );
        }
        if (!(error instanceof ApiConnectionError)) throw error;
        lastError = error;
      }
    }
    throw new ApiStreamRejoinError(
      `the stream dropped ${where} and could not be re-joined (${source.retries} attempts)`,
      source.operationId,
      this.lastEventId,
      { cause: lastError },
    );
  }

  /** Whether `id` is the last delivered one or, both being numbers, not greater. */
  private alreadySeen(id: string): boolean {
    const last = this.lastEventId;
    if (last === undefined) return false;
    if (id === last) return true;
    const a = Number(id);
    const b = Number(last);
    return (
      id.trim() !== "" && last.trim() !== "" && Number.isFinite(a) && Number.isFinite(b) && a <= b
    );
  }
}

/**
 * The run a `Content-Location` names: the last segment of a path that ends in
 * `/runs/{run_id}` (relative or absolute, thread or not); undefined otherwise.
 */
function runIdFromLocation(location: string | null | undefined): string | undefined {
  if (!location) return undefined;
  const path = location.replace(/[?#].*$/s, "");
  const match = /(?:^|\/)runs\/([^/]+)\/?$/.exec(path);
  if (!match) return undefined;
  try {
    const id = decodeURIComponent(match[1] as string).trim();
    return id === "" ? undefined : id;
  } catch {
    return undefined;
  }
}

function bodyOf(response: Response): ReadableStream<Uint8Array> {
  if (!response.body) return new ReadableStream({ start: (c) => c.close() });
  return response.body;
}

/** Waits `ms`; a caller's abort during the wait ends the stream as aborted. */
function pause(ms: number, signal: AbortSignal | undefined, operationId: string): Promise<void> {
  return sleep(ms, signal).catch(() => {
    throw new ApiAbortError(operationId);
  });
}
