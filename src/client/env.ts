/**
 * Reads client settings from environment variables for `ApiClientConfiguration.fromEnvPrefix`.
 * Only the text is read here (JSON, numbers, flags); the values then go through the
 * configuration's own checks, whose errors name the variable they came from.
 */

import { ApiValueError } from "../core/errors.js";
import type { ApiClientConfigurationOptions, RetryBackoff, Timeout } from "./configuration.js";
import type { ClientLimits } from "./limits.js";
import type { CrossOriginRedirects } from "./redirects.js";

/** Environment variables by name, like `process.env`. */
export type EnvSource = Record<string, string | undefined>;

/** The options the environment set, and for each the variable it came from. */
export interface EnvOptions {
  options: ApiClientConfigurationOptions;
  /** Option name -> the variable that set it, and its value unless it is a secret. */
  variables: Record<string, { name: string; value?: string }>;
}

function defaultEnv(): EnvSource {
  return globalThis.process?.env ?? {};
}

/** Variables whose values are never shown in an error. */
const secretVariables = new Set(["API_KEY", "PASSWORD", "ACCESS_TOKEN"]);

/** The options set by `<prefix>*` variables; unset or empty variables give no option. */
export function readEnvOptions(prefix: string, env: EnvSource = defaultEnv()): EnvOptions {
  const variables: EnvOptions["variables"] = {};
  const get = (option: keyof ApiClientConfigurationOptions, ...names: string[]) => {
    for (const name of names) {
      const value = env[prefix + name];
      if (value === undefined || value === "") continue;
      variables[option] = secretVariables.has(name)
        ? { name: prefix + name }
        : { name: prefix + name, value };
      return value;
    }
    return undefined;
  };
  const text = (option: keyof ApiClientConfigurationOptions, name: string) =>
    ({ option, name: prefix + name, raw: get(option, name) }) as const;
  const options: ApiClientConfigurationOptions = {
    host: get("host", "HOST", "ENDPOINT"),
    apiKey: stringMap(text("apiKey", "API_KEY"), true),
    apiKeyPrefix: stringMap(text("apiKeyPrefix", "API_KEY_PREFIX"), false),
    username: get("username", "USERNAME"),
    password: get("password", "PASSWORD"),
    accessToken: get("accessToken", "ACCESS_TOKEN"),
    serverVariables: stringMap(text("serverVariables", "SERVER_VARIABLES"), false),
    sslCaCert: get("sslCaCert", "SSL_CA_CERT"),
    caCertData: get("caCertData", "CA_CERT_DATA"),
    retries: wholeNumber(text("retries", "RETRIES")),
    backoff: jsonObject(
      text("backoff", "BACKOFF"),
      `must be a JSON object of milliseconds, like {"initialDelay": 100, "maxDelay": 5000}`,
    ) as Partial<RetryBackoff> | undefined,
    timeout: timeout(text("timeout", "TIMEOUT")),
    debug: flag(text("debug", "DEBUG")),
    limits: limits(text("limits", "LIMITS")),
    crossOriginRedirects: get("crossOriginRedirects", "CROSS_ORIGIN_REDIRECTS")?.trim() as
      | CrossOriginRedirects
      | undefined,
  };
  return {
    options: Object.fromEntries(
      Object.entries(options).filter(([, value]) => value !== undefined),
    ) as ApiClientConfigurationOptions,
    variables,
  };
}

/** One variable's text, with the name an error gives it. */
interface EnvText {
  name: string;
  raw: string | undefined;
}

function bad(name: string, what: string): ApiValueError {
  return new ApiValueError(`environment variable ${name} ${what}`, [name]);
}

function json(v: EnvText & { raw: string }, expected: string): unknown {
  try {
    return JSON.parse(v.raw);
  } catch {
    throw bad(v.name, `is not JSON; it ${expected}`);
  }
}

/** A JSON object of strings. The value of a secret variable never appears in the error. */
function stringMap(v: EnvText, secret: boolean): Record<string, string> | undefined {
  if (v.raw === undefined) return undefined;
  const expected = `must be a JSON object of strings, like {"x-api-key": "..."}`;
  const parsed = json({ ...v, raw: v.raw }, expected);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw bad(v.name, expected);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "string") {
      const shown = secret ? "" : ` (${JSON.stringify(value)})`;
      throw bad(v.name, `has a non-string value at key "${key}"${shown}; it ${expected}`);
    }
  }
  return parsed as Record<string, string>;
}

/** The number written, or NaN for text that is none (the configuration then refuses it). */
function wholeNumber(v: EnvText): number | undefined {
  if (v.raw === undefined) return undefined;
  return /^\s*-?\d+\s*$/.test(v.raw) ? Number(v.raw) : Number.NaN;
}

/** Milliseconds, or JSON `{"connect": ms, "read": ms}`. */
function timeout(v: EnvText): Timeout | undefined {
  if (v.raw === undefined) return undefined;
  if (/^\s*[\d.]+\s*$/.test(v.raw)) return Number(v.raw);
  return json(
    { ...v, raw: v.raw },
    `must be milliseconds (e.g. 5000) or JSON {"connect": ms, "read": ms}`,
  ) as Timeout;
}

/** A JSON object, whose members the configuration then checks. */
function jsonObject(v: EnvText, expected: string): Record<string, unknown> | undefined {
  if (v.raw === undefined) return undefined;
  const parsed = json({ ...v, raw: v.raw }, expected);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw bad(v.name, expected);
  }
  return parsed as Record<string, unknown>;
}

/** A JSON object of limits, e.g. `{"maxResponseBytes": 1048576}`; `"Infinity"` turns one off. */
function limits(v: EnvText): Partial<ClientLimits> | undefined {
  if (v.raw === undefined) return undefined;
  const expected = `must be a JSON object of limits, like {"maxResponseBytes": 1048576}`;
  const parsed = json({ ...v, raw: v.raw }, expected);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw bad(v.name, expected);
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([name, value]) => [
      name,
      value === "Infinity" ? Number.POSITIVE_INFINITY : value,
    ]),
  ) as Partial<ClientLimits>;
}

function flag(v: EnvText): boolean | undefined {
  if (v.raw === undefined) return undefined;
  const value = v.raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw bad(v.name, `must be true or false, got ${JSON.stringify(v.raw)}`);
}
