/**
 * `text/event-stream` bodies to `RunOutputStream` events. The SSE `id:` is the
 * event's id, `event:` its `event`, and `data:` the JSON of its `data` payload;
 * a `data:` that is a whole `{ id, event, data }` object is accepted too.
 *
 * The bytes are read as the WHATWG rules say (`eventsource-parser` does the lines):
 * comment lines anywhere, also a keep-alive `:` that a server wrote without a line
 * end so that it swallows the next `id:` line; a block without `data` is no event;
 * an event without `id` carries the last id the stream gave (the `lastEventId` of an
 * `EventSource`), or `""` when it gave none, and no id is ever made up. One rule
 * the parser does not keep: an `id:` in a block without data sets the last id by
 * the WHATWG rules, but the parser drops it with the block, so an event after it
 * without an id of its own carries the id before.
 *
 * The readers hand out everything one network chunk completes as one array, so
 * a consumer awaits once per chunk rather than once per event, and only one
 * chunk's events are held at a time, whatever the length of the stream.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from "eventsource-parser";
import { ApiFrameTooLargeError, ApiValueError } from "../core/errors.js";
import { isRecord } from "../core/json-guards.js";
import { RunOutputStream } from "../models/index.js";
import {
  isRunOutputType,
  parseRunOutputData,
  type RunOutputData,
  surelyValid,
} from "./event-check.js";
import { dropNullOptionals } from "./null-optional.js";
import { parseOrThrow } from "./validation.js";

/** Bounds on what an event-stream reader holds. */
export interface SseLimits {
  /**
   * The largest frame in bytes; a larger one ends the read with
   * `ApiFrameTooLargeError`. No bound when absent.
   */
  maxFrameBytes?: number;
  /** The operation, for the error's message. */
  operationId?: string;
}

/**
 * The SSE messages of a body, a chunk's worth at a time. Comments (keep-alives)
 * are skipped. After the end, a failed read or {@link cancel} the body is released.
 */
export class SseMessageReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #parser: EventSourceParser;
  readonly #limits: SseLimits;
  #pending: EventSourceMessage[] = [];
  /** Whether the last character fed was a CR, which the parser holds back in case an LF follows. */
  #endsInCr = false;
  /** Set when the body ended inside an event: a block with data but no closing blank line. */
  #cutEvent = false;
  /**
   * Bytes received since the chunk that completed the last message: at least as
   * many as the frame being read holds (it never counts a finished frame's bytes),
   * and at most one chunk fewer, so a frame that never ends is stopped early.
   */
  #frameBytes = 0;
  /** `ended`: the body came to its end; `stopped`: it failed or was cancelled. */
  #state: "reading" | "ended" | "stopped" = "reading";

  constructor(body: ReadableStream<Uint8Array>, limits: SseLimits = {}) {
    this.#reader = body.getReader();
    this.#limits = limits;
    this.#parser = createParser({ onEvent: (message) => this.#pending.push(message) });
  }

  /**
   * The messages the next chunks complete (at least one), or undefined once the
   * body has ended or was cancelled. A read error of the body is thrown as it is.
   */
  async read(): Promise<EventSourceMessage[] | undefined> {
    while (this.#state === "reading") {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await this.#reader.read();
      } catch (error) {
        this.#release("stopped");
        throw error;
      }
      if (this.#state !== "reading") break;
      if (chunk.done) {
        this.#feed(this.#decoder.decode());
        this.#finish();
        this.#release("ended");
      } else {
        this.#feed(this.#decoder.decode(chunk.value, { stream: true }));
        this.#frameBytes = this.#pending.length > 0 ? 0 : this.#frameBytes + chunk.value.length;
        const max = this.#limits.maxFrameBytes;
        if (max !== undefined && this.#frameBytes > max) {
          await this.cancel();
          throw new ApiFrameTooLargeError(max, this.#limits.operationId);
        }
      }
      if (this.#pending.length > 0) {
        const messages = this.#pending;
        this.#pending = [];
        return messages;
      }
    }
    return undefined;
  }

  /**
   * True when the body came to its end inside an event: a block that holds `data`
   * never got its closing blank line. SSE drops such an event silently. A trailing
   * comment or a block without data is not an event, so ending in one is no cut.
   */
  get endedInsideFrame(): boolean {
    return this.#state === "ended" && this.#cutEvent;
  }

  /** Stops reading: cancels the body (which closes its connection) unless it has ended. */
  async cancel(): Promise<void> {
    if (this.#state !== "reading") return;
    this.#state = "stopped";
    await this.#reader.cancel().catch(() => undefined);
    this.#reader.releaseLock();
  }

  #feed(text: string): void {
    if (text.length === 0) return;
    this.#endsInCr = text.endsWith("\r");
    this.#parser.feed(text);
  }

  /**
   * At the end of the body: a held CR ends its line, then a blank line closes
   * whatever block is open; an event that this dispatches was cut off, and is
   * dropped as SSE drops it.
   */
  #finish(): void {
    if (this.#endsInCr) this.#parser.feed("\n");
    const complete = this.#pending.length;
    this.#parser.feed("\n\n");
    this.#cutEvent = this.#pending.length > complete;
    this.#pending.length = complete;
  }

  #release(state: "ended" | "stopped"): void {
    this.#state = state;
    this.#reader.releaseLock();
  }
}

/** How `readRunOutputStream` treats a frame that is cut off or too large. */
export interface RunOutputReaderOptions {
  /**
   * `"drop"` ignores the cut-off frame, as SSE does; `"error"` makes it an
   * `ApiValueError`, since the protocol's streams end after a whole event.
   */
  partialFrame?: "drop" | "error";
  /**
   * The last event id known before this body (from an earlier connection of the same
   * stream): what an event without `id` carries until the body gives one.
   */
  lastEventId?: string | undefined;
  /** The largest frame in bytes; a larger one is an `ApiFrameTooLargeError`. No bound when absent. */
  maxFrameBytes?: number;
}

/**
 * The `RunOutputStream` events of an SSE body, a chunk's worth at a time, each
 * checked. A bad event ends the stream with an `ApiValueError`, after the good
 * events before it.
 */
export class RunOutputReader {
  readonly #messages: SseMessageReader;
  readonly #operationId: string;
  readonly #partialFrame: "drop" | "error";
  #failure: ApiValueError | undefined;
  #lastId: string | undefined;

  constructor(
    body: ReadableStream<Uint8Array>,
    operationId: string,
    options: RunOutputReaderOptions = {},
  ) {
    this.#messages = new SseMessageReader(body, {
      operationId,
      maxFrameBytes: options.maxFrameBytes,
    });
    this.#operationId = operationId;
    this.#partialFrame = options.partialFrame ?? "drop";
    this.#lastId = options.lastEventId;
  }

  /** The events the next chunks complete (at least one), or undefined at the end of the body. */
  async read(): Promise<RunOutputStream[] | undefined> {
    if (this.#failure) throw this.#failure;
    const messages = await this.#messages.read();
    if (messages === undefined) {
      if (this.#partialFrame === "error" && this.#messages.endedInsideFrame) {
        const where =
          this.#lastId === undefined
            ? "before any event"
            : `after event ${JSON.stringify(this.#lastId)}`;
        throw new ApiValueError(
          `${this.#operationId}: the stream ended ${where} in the middle of an event (its frame has no closing blank line)`,
        );
      }
      return undefined;
    }
    const events: RunOutputStream[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as EventSourceMessage;
      // The parser forgets the id after each event; SSE keeps it until the next `id:`.
      if (message.id === undefined) message.id = this.#lastId;
      else this.#lastId = message.id;
      try {
        events[i] = decodeRunOutputEvent(message, this.#operationId);
      } catch (error) {
        await this.#messages.cancel();
        if (i === 0) throw error;
        this.#failure = error as ApiValueError;
        events.length = i;
        break;
      }
    }
    return events;
  }

  /** Stops reading and closes the body. */
  cancel(): Promise<void> {
    return this.#messages.cancel();
  }
}

/**
 * The `RunOutputStream` an SSE message carries; a bad one is an `ApiValueError`
 * naming operation, event and field. A message without an id gets `""`, the SSE
 * "no last event id" (the spec wants an id; none is made up).
 */
export function decodeRunOutputEvent(
  message: EventSourceMessage,
  operationId: string,
): RunOutputStream {
  let payload: unknown;
  try {
    payload = JSON.parse(message.data);
  } catch {
    throw new ApiValueError(
      `${eventName(message, operationId)}: data is not JSON (${message.data.slice(0, 80)})`,
      ["data"],
    );
  }
  const { event } = message;
  const id = message.id ?? "";
  if (event === "agent_event" && isRecord(payload)) {
    // The path almost every event takes: nothing is built but the event itself.
    if (surelyValid(payload)) return { id, event, data: payload as RunOutputData };
    if (isRunOutputType(payload.type)) {
      if (dropNullOptionals(RunOutputStream, { event, data: payload }) && surelyValid(payload)) {
        return { id, event, data: payload as RunOutputData };
      }
      return { id, event, data: parseRunOutputData(payload, invalid(message, operationId)) };
    }
  }
  const candidate = isWholeEvent(payload)
    ? { ...payload, id: payload.id ?? id, event: payload.event ?? event }
    : { id, event, data: payload };
  dropNullOptionals(RunOutputStream, candidate);
  return parseOrThrow(RunOutputStream, candidate, invalid(message, operationId));
}

function invalid(message: EventSourceMessage, operationId: string): string {
  return `${eventName(message, operationId)} is not a valid RunOutputStream`;
}

function eventName(message: EventSourceMessage, operationId: string): string {
  return `${operationId}: stream event ${message.id === undefined ? "(no id)" : JSON.stringify(message.id)}`;
}

/**
 * The SSE messages of a byte stream, one at a time. Stopping early cancels the
 * body, which closes the connection.
 */
export async function* readSseMessages(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  const reader = new SseMessageReader(body);
  try {
    for (let batch = await reader.read(); batch; batch = await reader.read()) yield* batch;
  } finally {
    await reader.cancel();
  }
}

/** The `RunOutputStream` events of an SSE body, checked one by one. */
export async function* readRunOutputStream(
  body: ReadableStream<Uint8Array>,
  operationId: string,
  options: RunOutputReaderOptions = {},
): AsyncGenerator<RunOutputStream, void, undefined> {
  const reader = new RunOutputReader(body, operationId, options);
  try {
    for (let batch = await reader.read(); batch; batch = await reader.read()) yield* batch;
  } finally {
    await reader.cancel();
  }
}

function isWholeEvent(value: unknown): value is { id?: string; event?: string; data: unknown } {
  return isRecord(value) && "data" in value && "event" in value && !("type" in value);
}
