/** How long the client waits before it sends again: Retry-After, and jittered backoff. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  jitteredBackoff,
  parseRetryAfter,
  type RetryPolicy,
  retryDelay,
} from "../../src/core/retry.js";

const policy: RetryPolicy = {
  retries: 3,
  maxRetryAfter: 10_000,
  shouldRetry: () => true,
  backoff: (retry) => retry * 1000,
};
const answer = (status: number, retryAfter?: string) => ({
  response: new Response(null, {
    status,
    headers: retryAfter === undefined ? {} : { "retry-after": retryAfter },
  }),
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds, whole or not", () => {
    expect(parseRetryAfter("0")).toBe(0);
    expect(parseRetryAfter(" 5 ")).toBe(5000);
    expect(parseRetryAfter("1.5")).toBe(1500);
  });

  it("reads an HTTP date as the time left until it, and a past date as 0", () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const left = parseRetryAfter(inAMinute) as number;
    // HTTP dates have whole seconds, so up to a second is lost.
    expect(left).toBeGreaterThan(58_000);
    expect(left).toBeLessThanOrEqual(60_000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).toBe(0);
  });

  it("gives undefined for an absent or unreadable value", () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("-3")).toBeUndefined();
  });
});

describe("retryDelay", () => {
  it("takes Retry-After on a status that honours it, cut to maxRetryAfter", () => {
    expect(retryDelay(1, answer(429, "2"), policy)).toBe(2000);
    expect(retryDelay(1, answer(503, "3600"), policy)).toBe(10_000);
  });

  it("falls back to backoff without a readable Retry-After, or on other statuses", () => {
    expect(retryDelay(2, answer(503), policy)).toBe(2000);
    expect(retryDelay(3, answer(429, "later"), policy)).toBe(3000);
    expect(retryDelay(1, answer(502, "7"), policy)).toBe(1000);
    expect(retryDelay(2, { error: new TypeError("fetch failed") }, policy)).toBe(2000);
  });
});

describe("jitteredBackoff", () => {
  it("waits a random time up to base * 2^(retry-1), never above the limit", () => {
    const backoff = jitteredBackoff(300, 30_000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), (retry) => {
        const wait = backoff(retry);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(Math.min(30_000, 300 * 2 ** (retry - 1)));
      }),
    );
  });

  it("spreads the waits of clients that fail together", () => {
    const backoff = jitteredBackoff(300, 30_000);
    const waits = new Set(Array.from({ length: 20 }, () => backoff(3)));
    expect(waits.size).toBeGreaterThan(1);
  });
});
