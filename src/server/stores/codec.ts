import { createHash } from "node:crypto";
import { isRecord } from "../../core/json-guards.js";
import { messageOf } from "../../core/message-of.js";
import { StoreEncodingError } from "./errors.js";
import type { StoredEvent, StoredRun, StoredThread } from "./store.js";

/** Where a store reports records it cannot read; nothing secret is passed to it. */
export interface StoreLogger {
  /** Receives one warning line. */
  warn(message: string): void;
}

/**
 * Where an event handed to a store may carry the JSON text of its data, made when the
 * event was (its size is measured on it): the store writes that text instead of
 * serialising the data again.
 */
export const EVENT_TEXT: unique symbol = Symbol("the JSON text of an event's data");

/** An event that may carry the JSON text of its data (see `EVENT_TEXT`). */
export type EncodedEvent = StoredEvent & { readonly [EVENT_TEXT]?: string };

/** The JSON text of an event's data: the text it carries, else made now. */
export function eventText(event: StoredEvent, operation: string): string {
  return (event as EncodedEvent)[EVENT_TEXT] ?? encode(event.data, operation);
}

/** The JSON text of a record, or a `StoreEncodingError` naming the operation. */
export function encode(value: unknown, operation: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new StoreEncodingError(`the record is not plain JSON: ${messageOf(err)}`, operation);
  }
  if (text === undefined) throw new StoreEncodingError("the record is not plain JSON", operation);
  return text;
}

/** The fields every reader of a stored run relies on. */
function isStoredRun(v: unknown): v is StoredRun {
  return (
    isRecord(v) &&
    typeof v.run_id === "string" &&
    typeof v.agent_id === "string" &&
    typeof v.created_at === "string" &&
    typeof v.updated_at === "string" &&
    typeof v.status === "string" &&
    isRecord(v.creation) &&
    typeof v.graphThreadId === "string" &&
    Array.isArray(v.modes) &&
    typeof v.eventCount === "number"
  );
}

/** The fields every reader of a stored thread relies on. */
function isStoredThread(v: unknown): v is StoredThread {
  return (
    isRecord(v) &&
    typeof v.thread_id === "string" &&
    typeof v.created_at === "string" &&
    typeof v.updated_at === "string" &&
    typeof v.status === "string" &&
    isRecord(v.metadata)
  );
}

function isEventData(v: unknown): v is StoredEvent["data"] {
  return isRecord(v) && typeof v.type === "string";
}

/**
 * Reads stored JSON text back. Text that does not decode to the expected shape (a
 * truncated or hand-edited row) is reported once per read and answered as absent, so
 * that one bad record never stops a search, a recovery or a start.
 */
export class RecordDecoder {
  constructor(private readonly logger: StoreLogger) {}

  run(text: string, id: string): StoredRun | undefined {
    return this.decode(text, isStoredRun, `run ${id}`);
  }

  thread(text: string, id: string): StoredThread | undefined {
    return this.decode(text, isStoredThread, `thread ${id}`);
  }

  event(text: string, runId: string, id: number): StoredEvent | undefined {
    const data = this.decode(text, isEventData, `event ${id} of run ${runId}`);
    return data ? { id, data } : undefined;
  }

  private decode<T>(text: string, is: (v: unknown) => v is T, what: string): T | undefined {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (is(value)) return value;
    this.logger.warn(`stored ${what} is unreadable and is skipped`);
    return undefined;
  }
}

/** Metadata values whose JSON text is longer than this are indexed by a digest of it. */
const MAX_INDEXED_VALUE = 256;

/**
 * The index entries of a metadata object: one `[key, value]` per key, the value being
 * its JSON text, or a digest of it when long. A search for `{ key: v }` looks up
 * `[key, metadataValue(v)]`, so equal JSON text finds equal entries.
 */
export function metadataEntries(metadata: unknown): Array<[string, string]> {
  if (!isRecord(metadata)) return [];
  return Object.entries(metadata).map(([key, value]) => [key, metadataValue(value)]);
}

/** How a metadata value is indexed (see `metadataEntries`). */
export function metadataValue(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length <= MAX_INDEXED_VALUE
    ? text
    : `#${createHash("sha256").update(text).digest("base64url")}`;
}

/**
 * True when a run no longer changes by itself: it is neither executing nor waiting at
 * an interrupt for a resume. Only such runs are purged or evicted.
 */
export const isFinished = (run: Pick<StoredRun, "status" | "output">): boolean =>
  run.status !== "pending" && run.output?.type !== "interrupt";
