/**
 * The checks of the configuration's options, shared by the constructor and, through
 * it, the environment variables of `fromEnvPrefix`. Each error names the option.
 */
import { ApiValueError } from "../core/errors.js";
import type { Timeout } from "./configuration.js";
import { type CrossOriginRedirects, isCrossOriginRedirects } from "./redirects.js";

/** A count of retries: a whole number >= 0. */
export function checkRetries(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ApiValueError(`${name} must be a whole number >= 0, got ${value}`, [name]);
  }
  return value;
}

/** A positive number of ms, or `{ connect, read }` of them (no other key). */
export function checkTimeout(value: Timeout): Timeout {
  const ok = (n: unknown) =>
    n === undefined || (typeof n === "number" && n > 0 && Number.isFinite(n));
  const valid =
    typeof value === "number"
      ? ok(value)
      : typeof value === "object" &&
        value !== null &&
        !Array.isArray(value) &&
        Object.keys(value).every((key) => key === "connect" || key === "read") &&
        ok(value.connect) &&
        ok(value.read);
  if (!valid) {
    throw new ApiValueError(
      `timeout must be a positive number of milliseconds, or { connect, read } of them, got ${JSON.stringify(value)}`,
      ["timeout"],
    );
  }
  return value;
}

/** `"refuse"` or `"strip-credentials"`. */
export function checkRedirects(value: CrossOriginRedirects): CrossOriginRedirects {
  if (!isCrossOriginRedirects(value)) {
    throw new ApiValueError(
      `crossOriginRedirects must be "refuse" or "strip-credentials", got ${JSON.stringify(value)}`,
      ["crossOriginRedirects"],
    );
  }
  return value;
}

/** `true` or `false`. */
export function checkBoolean(value: boolean, name: string): boolean {
  if (typeof value !== "boolean") {
    throw new ApiValueError(`${name} must be true or false, got ${JSON.stringify(value)}`, [name]);
  }
  return value;
}

/** The members of a backoff group, and the defaults its absent members keep. */
export function checkBackoff<T extends object>(value: unknown, defaults: Readonly<T>): T {
  if (value === undefined) return { ...defaults } as T;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiValueError(
      `backoff must be an object of ${Object.keys(defaults).join(", ")}, got ${JSON.stringify(value)}`,
      ["backoff"],
    );
  }
  const backoff = { ...defaults } as T;
  for (const [name, given] of Object.entries(value)) {
    if (given === undefined) continue;
    if (!(name in defaults)) {
      throw new ApiValueError(
        `backoff.${name} is not a setting of the backoff (${Object.keys(defaults).join(", ")})`,
        ["backoff", name],
      );
    }
    if (typeof given !== "number" || !Number.isFinite(given) || given < 0) {
      throw new ApiValueError(
        `backoff.${name} must be a number of milliseconds >= 0, got ${JSON.stringify(given)}`,
        ["backoff", name],
      );
    }
    (backoff as Record<string, number>)[name] = given;
  }
  return backoff;
}
