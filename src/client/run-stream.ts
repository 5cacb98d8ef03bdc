/**
 * A run's output stream as an async iterable that survives dropped connections:
 * after a drop it joins the run's stream again with `Last-Event-ID`, so the
 * consumer sees each event once, in order.
 */
import type { RunOutputStream } from "../models/index.js";
import {
  ApiAbortError,
  ApiConnectionError,
  ApiException,
  ApiStreamRejoinError,
  OpenApiException,
} from "./errors.js";
import { readRunOutputStream } from "./sse.js";

/** Where a stream stands when it has to be joined again. */
export interface StreamPosition {
  /** The id of the last event delivered. */
  lastEventId: string | undefined;
  /** The run the events belong to, once an event has named it. */
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
   * undefined when the stream cannot be re-joined from there.
   */
  rejoin(position: StreamPosition): Promise<Response> | undefined;
  /** How many re-joins to try in a row before giving up. */
  retries: number;
  /** The caller's signal: when it fires, the stream stops with `ApiAbortError`. */
  signal?: AbortSignal | undefined;
  /** The id the stream starts after, when joining from a known point. */
  lastEventId?: string | undefined;
}

/**
 * The events of a run as they come. Iterate once with `for await`; the request
 * starts when iteration does, and breaking out closes the connection.
 */
export class RunEventStream implements AsyncIterable<RunOutputStream> {
  /** The id of the last event delivered: pass it as `lastEventId` to join again later. */
  lastEventId: string | undefined;
  /** The run the events belong to, once an event has named it. */
  runId: string | undefined;
  readonly #source: RunEventStreamSource;
  #first: Response | undefined;
  #started = false;
  /** Drops and failed re-joins since the last delivered event. */
  #failures = 0;

  /** `first` is an already open response to read before any re-join. */
  constructor(source: RunEventStreamSource, first?: Response) {
    this.#source = source;
    this.#first = first;
    this.lastEventId = source.lastEventId;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RunOutputStream, void, undefined> {
    if (this.#started) {
      throw new OpenApiException(`${this.#source.operationId}: a stream can be iterated only once`);
    }
    this.#started = true;
    const source = this.#source;
    let response = this.#first ?? (await source.open());
    this.#first = undefined;
    let rejoined = false;
    for (;;) {
      try {
        for await (const event of readRunOutputStream(bodyOf(response), source.operationId)) {
          if (rejoined && this.alreadySeen(event.id)) continue;
          rejoined = false;
          this.lastEventId = event.id;
          this.runId = event.data.run_id ?? this.runId;
          this.#failures = 0;
          yield event;
        }
        return;
      } catch (error) {
        if (error instanceof OpenApiException) throw error;
        if (source.signal?.aborted) throw new ApiAbortError(source.operationId, { cause: error });
        response = await this.rejoin(error);
        rejoined = true;
      }
    }
  }

  /**
   * Joins the stream again after a drop, with backoff. Gives up after `retries`
   * drops or failed attempts in a row without an event delivered in between.
   */
  private async rejoin(drop: unknown): Promise<Response> {
    const source = this.#source;
    const where =
      this.lastEventId === undefined ? "before any event" : `after event ${this.lastEventId}`;
    let lastError: unknown = drop;
    for (let attempt = ++this.#failures; attempt <= source.retries; attempt = ++this.#failures) {
      await pause(backoff(attempt), source.signal, source.operationId);
      const opening = source.rejoin({ lastEventId: this.lastEventId, runId: this.runId });
      if (!opening) {
        throw new ApiStreamRejoinError(
          `the stream dropped ${where} and cannot be re-joined: no run id is known yet`,
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

  /** After a re-join, a server may repeat events up to the one asked for; numeric ids tell. */
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

function bodyOf(response: Response): ReadableStream<Uint8Array> {
  if (!response.body) return new ReadableStream({ start: (c) => c.close() });
  return response.body;
}

function backoff(attempt: number): number {
  const ceiling = Math.min(300 * 2 ** (attempt - 1), 10_000);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function pause(ms: number, signal: AbortSignal | undefined, operationId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ApiAbortError(operationId));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ApiAbortError(operationId));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
