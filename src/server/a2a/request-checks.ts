/**
 * Checks of request fields the SDK takes as they come: each refusal is invalid params
 * (`-32602`; HTTP+JSON 400) naming the field and what it must be.
 */
import { RequestMalformedError } from "@a2a-js/sdk/errors";

/** An RFC 3339 date-time (ISO 8601 with a time and a zone), as A2A writes timestamps. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Refuses a `historyLength` below 0 (A2A: unset, 0 for none, or a count). */
export function checkHistoryLength(value: number | undefined, field: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new RequestMalformedError(`${field} must be a whole number, 0 or more, not ${value}`);
  }
}

/** Refuses a timestamp that is no ISO 8601 date-time with a zone, e.g. "2026-05-12T10:00:00Z". */
export function checkTimestamp(value: string | undefined, field: string): void {
  if (value === undefined || value === "") return;
  if (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw new RequestMalformedError(
      `${field} must be an ISO 8601 date-time with a zone, e.g. "2026-05-12T10:00:00Z", not ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
}
