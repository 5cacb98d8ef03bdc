/** The shapes the client's methods take and give besides the protocol's models. */
import type { AuthSetting, Timeout } from "./configuration.js";
import type { ClientLimits } from "./limits.js";

/** Per-request settings: the last argument of every client method. */
export interface RequestOptions {
  /**
   * Milliseconds for this request, over the configuration's timeout; `{ connect, read }`
   * counts as their sum. For a stream it bounds the wait for the stream to start.
   */
  timeout?: Timeout;
  /** Aborts the request, or closes the stream, when it fires. */
  signal?: AbortSignal;
  /** Extra headers; they win over default and auth headers of the same name. */
  headers?: Record<string, string>;
  /** Credentials for this request only, in place of the configuration's. */
  auth?: AuthSetting;
  /** The request's `Content-Type`; `application/json` by default. */
  contentType?: string;
  /** Sends the request to `servers[hostIndex]` of the configuration. */
  hostIndex?: number;
  /** For streams: join from after this event id (sent as `Last-Event-ID`). */
  lastEventId?: string;
  /**
   * For streams: what the server does with `Last-Event-ID` when a dropped stream is
   * joined again, which the client cannot tell from the ids alone. See {@link RejoinIds}.
   */
  rejoinIds?: RejoinIds;
  /**
   * How many times the transport may retry this request, in place of the
   * configuration's `retries`. A stream's re-joins send 0: the stream counts its own attempts
   * against `retries`, and retries inside each attempt would multiply them.
   */
  retries?: number;
  /**
   * Limits for this request, each in place of the configuration's (see
   * `ClientLimits`), e.g. `{ responseIdleTimeout: 5000 }`; the ones left out keep the
   * configuration's values.
   */
  limits?: Partial<ClientLimits>;
}

/** A response with its parsed body, as the `...WithHttpInfo` methods return it. */
export interface ApiResponse<T> {
  statusCode: number;
  headers: Record<string, string>;
  /** The body parsed with the operation's schema. */
  data: T;
  /** The body's bytes; empty for streams, whose events are read through `data`. */
  rawData: Uint8Array;
}

/**
 * How a server numbers the events of a stream joined again with `Last-Event-ID`.
 *
 * - `"resume"` (the default, as SSE means it): it goes on after the id it was
 *   given. Should the first event after a re-join not come after the last one
 *   delivered (the same id, or a number not greater), the server did not honour the
 *   header, and its events cannot be told apart from those already delivered: the
 *   stream ends in `ApiStreamRejoinIdError`, after every event delivered so far.
 * - `"replay"`: it ignores the header and sends its log again from the start, with
 *   the same ids; events up to the last one delivered are skipped.
 * - `"per-connection"`: it ignores the header, numbers each connection from 1 and
 *   sends only what happens after the re-join (the Python reference server does);
 *   every event is delivered, and `lastEventId` follows the new numbering. What the
 *   run produced while the stream was down is not sent by such a server.
 */
export type RejoinIds = "resume" | "replay" | "per-connection";
