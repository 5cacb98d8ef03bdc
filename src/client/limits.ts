/**
 * The client's limits: how much a server may send, how long it may stay silent,
 * how long a response body may take, how long retries may go on, how often a stream may be re-joined and how many
 * redirects are followed. Each one reached ends the call in its own error class,
 * whose `limit` names the option (the error classes are in `core/errors.ts`, with
 * every other error of the client).
 */
import { ApiValueError, type ClientLimitName } from "../core/errors.js";

export type { ClientLimitName } from "../core/errors.js";

/**
 * Every limit of the client. `Infinity` turns a limit off. They are set in a
 * configuration's `limits`, for one request in `RequestOptions.limits`, or from
 * the environment as the JSON object `<prefix>LIMITS` (`fromEnvPrefix`).
 */
export interface ClientLimits extends Record<ClientLimitName, number> {
  /**
   * The largest response body read into memory, in bytes (after decompression).
   * Streams are not bounded as a whole: their frames are. Default 64 MiB.
   */
  maxResponseBytes: number;
  /**
   * The largest frame of an event stream, in bytes, including the comment lines
   * inside it. Default 16 MiB.
   */
  maxSseFrameBytes: number;
  /**
   * The longest wait for the next event of a stream, in ms, from the request on.
   * Keep-alive comments are not events: they do not restart the wait, so a server
   * that sends only keep-alives ends the stream when it runs out. Default 300000.
   */
  streamIdleTimeout: number;
  /**
   * The longest silence inside a response body that is read into memory, in ms:
   * no byte for this long ends the call with `ApiResponseIdleError`. It runs from
   * the response's headers on, so a server that sends its headers and then nothing
   * is cut; the wait for the headers is the `timeout` option's. Any byte counts (keep-alive whitespace too): a slow server that keeps
   * sending is never idle, and {@link responseBodyTimeout} bounds it instead.
   *
   * For operations that wait for a run (`runs/{id}/wait`, create-and-wait) it runs
   * from the body's first byte on: a server may hold back the body of a wait
   * until the run stops, and a wait lasts as long as the run does (bound it with
   * the `timeout` option). Streams have {@link streamIdleTimeout} instead, and the
   * body of a raw response (`...WithoutPreloadContent`) is the caller's to read.
   * Default 60000.
   */
  responseIdleTimeout: number;
  /**
   * The longest a response body that is read into memory may take to arrive in
   * full, in ms from its headers: ends a server that trickles a body without end
   * with `ApiResponseBodyTimeoutError`. Not applied to operations that wait for a
   * run, whose servers may send keep-alive bytes for as long as the run goes on
   * (bound those with the `timeout` option). Default 300000.
   */
  responseBodyTimeout: number;
  /**
   * The time in ms, from a call's start, by which its retries are over. A wait
   * (backoff or `Retry-After`) that would end later is not started, and a retry
   * still under way then is aborted. The first attempt is bounded by `timeout`
   * instead, so a long `wait` call is not cut. Default 120000.
   */
  deadline: number;
  /**
   * How many times a stream may be re-joined in all. Events delivered in between
   * do not give re-joins back: `retries` bounds the failures in a row, this the
   * total. Default 20.
   */
  maxStreamRejoins: number;
  /** How many redirects one request follows. Default 5. */
  maxRedirects: number;
}

/** The limits a client has when its configuration sets none. */
export const defaultClientLimits: Readonly<ClientLimits> = Object.freeze({
  maxResponseBytes: 64 * 1024 * 1024,
  maxSseFrameBytes: 16 * 1024 * 1024,
  streamIdleTimeout: 300_000,
  responseIdleTimeout: 60_000,
  responseBodyTimeout: 300_000,
  deadline: 120_000,
  maxStreamRejoins: 20,
  maxRedirects: 5,
});

/**
 * `base` with the limits of `over` in place of its own, each checked as
 * {@link resolveClientLimits} checks them; `base` itself when `over` is absent.
 */
export function overrideClientLimits(
  base: Readonly<ClientLimits>,
  over: Partial<ClientLimits> | undefined,
): ClientLimits {
  return over === undefined ? base : resolveClientLimits({ ...base, ...over });
}

/** Limits counted in whole numbers (0 allowed); the others are positive amounts. */
const counts: ReadonlySet<ClientLimitName> = new Set(["maxStreamRejoins", "maxRedirects"]);

/**
 * The defaults with `given` over them, each checked: a count is a whole number
 * >= 0, an amount a positive number; `Infinity` turns either off.
 */
export function resolveClientLimits(given: Partial<ClientLimits> = {}): ClientLimits {
  const limits = { ...defaultClientLimits };
  for (const name of Object.keys(given) as ClientLimitName[]) {
    const value = given[name];
    if (value === undefined) continue;
    if (!(name in defaultClientLimits)) {
      throw new ApiValueError(`limits.${name} is not a limit of the client`, ["limits", name]);
    }
    const valid = counts.has(name)
      ? value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0)
      : typeof value === "number" && value > 0;
    if (!valid) {
      throw new ApiValueError(
        `limits.${name} must be ${counts.has(name) ? "a whole number >= 0" : "a positive number"} or Infinity, got ${value}`,
        ["limits", name],
      );
    }
    limits[name] = value;
  }
  return limits;
}
