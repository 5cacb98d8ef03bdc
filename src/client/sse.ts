/**
 * `text/event-stream` bodies to `RunOutputStream` events. The SSE `id:` is the
 * event's id, `event:` its `event`, and `data:` the JSON of its `data` payload;
 * a `data:` that is a whole `{ id, event, data }` object is accepted too.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { RunOutputStream } from "../models/index.js";
import { ApiValueError } from "./errors.js";
import { parseOrThrow } from "./validation.js";

/**
 * The SSE messages of a byte stream, one at a time, so memory stays flat however
 * long the stream is. Comments (keep-alives) are skipped. Stopping early cancels
 * the body, which closes the connection.
 */
export async function* readSseMessages(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  let finished = false;
  try {
    while (!finished) {
      const chunk = await reader.read();
      if (chunk.done) {
        finished = true;
        parser.feed(decoder.decode());
      } else {
        parser.feed(decoder.decode(chunk.value, { stream: true }));
      }
      for (let i = 0; i < pending.length; i++) yield pending[i] as EventSourceMessage;
      pending.length = 0;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** The `RunOutputStream` an SSE message carries; a bad one is an `ApiValueError` naming operation, event and field. */
export function decodeRunOutputEvent(
  message: EventSourceMessage,
  operationId: string,
): RunOutputStream {
  const where = `${operationId}: stream event ${message.id === undefined ? "(no id)" : JSON.stringify(message.id)}`;
  let payload: unknown;
  try {
    payload = JSON.parse(message.data);
  } catch {
    throw new ApiValueError(`${where}: data is not JSON (${message.data.slice(0, 80)})`, ["data"]);
  }
  const candidate = isWholeEvent(payload)
    ? { ...payload, id: payload.id ?? message.id, event: payload.event ?? message.event }
    : { id: message.id, event: message.event, data: payload };
  return parseOrThrow(RunOutputStream, candidate, `${where} is not a valid RunOutputStream`);
}

/** The `RunOutputStream` events of an SSE body, checked one by one. */
export async function* readRunOutputStream(
  body: ReadableStream<Uint8Array>,
  operationId: string,
): AsyncGenerator<RunOutputStream, void, undefined> {
  for await (const message of readSseMessages(body)) {
    yield decodeRunOutputEvent(message, operationId);
  }
}

function isWholeEvent(value: unknown): value is { id?: string; event?: string; data: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    "data" in value &&
    "event" in value &&
    !("type" in value)
  );
}
