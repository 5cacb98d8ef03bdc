/** Reads client settings from environment variables for `ApiClientConfiguration.fromEnvPrefix`. */

import { ApiValueError } from "../core/errors.js";
import type { ApiClientConfigurationOptions, Timeout } from "./configuration.js";
import { type ClientLimits, resolveClientLimits } from "./limits.js";
import { type CrossOriginRedirects, isCrossOriginRedirects } from "./redirects.js";

/** Environment variables by name, like `process.env`. */
export type EnvSource = Record<string, string | undefined>;

function defaultEnv(): EnvSource {
  return globalThis.process?.env ?? {};
}

/** The options set by `<prefix>*` variables; unset variables give no option. */
export function readEnvOptions(
  prefix: string,
  env: EnvSource = defaultEnv(),
): ApiClientConfigurationOptions {
  const get = (name: string) => {
    const value = env[prefix + name];
    return value === undefined || value === "" ? undefined : value;
  };
  const options: ApiClientConfigurationOptions = {
    host: get("HOST") ?? get("ENDPOINT"),
    apiKey: stringMap(prefix, "API_KEY", get("API_KEY"), true),
    apiKeyPrefix: stringMap(prefix, "API_KEY_PREFIX", get("API_KEY_PREFIX"), false),
    username: get("USERNAME"),
    password: get("PASSWORD"),
    accessToken: get("ACCESS_TOKEN"),
    serverVariables: stringMap(prefix, "SERVER_VARIABLES", get("SERVER_VARIABLES"), false),
    sslCaCert: get("SSL_CA_CERT"),
    caCertData: get("CA_CERT_DATA"),
    retries: retries(prefix, get("RETRIES")),
    timeout: timeout(prefix, get("TIMEOUT")),
    debug: flag(prefix, get("DEBUG")),
    limits: limits(prefix, get("LIMITS")),
    crossOriginRedirects: crossOriginRedirects(prefix, get("CROSS_ORIGIN_REDIRECTS")),
  };
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as ApiClientConfigurationOptions;
}

function bad(prefix: string, name: string, what: string): ApiValueError {
  return new ApiValueError(`environment variable ${prefix}${name} ${what}`);
}

/** A JSON object of strings. The value of a secret variable never appears in the error. */
function stringMap(
  prefix: string,
  name: string,
  raw: string | undefined,
  secret: boolean,
): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const expected = `must be a JSON object of strings, like {"x-api-key": "..."}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw bad(prefix, name, `is not JSON; it ${expected}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw bad(prefix, name, expected);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "string") {
      const shown = secret ? "" : ` (${JSON.stringify(value)})`;
      throw bad(prefix, name, `has a non-string value at key "${key}"${shown}; it ${expected}`);
    }
  }
  return parsed as Record<string, string>;
}

function retries(prefix: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) {
    throw bad(prefix, "RETRIES", `must be a whole number >= 0, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function timeout(prefix: string, raw: string | undefined): Timeout | undefined {
  if (raw === undefined) return undefined;
  const expected = `must be milliseconds (e.g. 5000) or JSON {"connect": ms, "read": ms}, got ${JSON.stringify(raw)}`;
  const positive = (v: unknown) =>
    v === undefined || (typeof v === "number" && Number.isFinite(v) && v > 0);
  if (/^\s*[\d.]+\s*$/.test(raw)) {
    const n = Number(raw);
    if (!positive(n)) throw bad(prefix, "TIMEOUT", expected);
    return n;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw bad(prefix, "TIMEOUT", expected);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw bad(prefix, "TIMEOUT", expected);
  }
  const { connect, read, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || !positive(connect) || !positive(read)) {
    throw bad(prefix, "TIMEOUT", expected);
  }
  return { connect: connect as number | undefined, read: read as number | undefined };
}

/** A JSON object of limits, e.g. `{"maxResponseBytes": 1048576}`; `"Infinity"` turns one off. */
function limits(prefix: string, raw: string | undefined): Partial<ClientLimits> | undefined {
  if (raw === undefined) return undefined;
  const expected = `must be a JSON object of limits, like {"maxResponseBytes": 1048576}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw bad(prefix, "LIMITS", `is not JSON; it ${expected}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw bad(prefix, "LIMITS", expected);
  }
  const given = Object.fromEntries(
    Object.entries(parsed).map(([name, value]) => [
      name,
      value === "Infinity" ? Number.POSITIVE_INFINITY : value,
    ]),
  ) as Partial<ClientLimits>;
  try {
    resolveClientLimits(given);
  } catch (err) {
    throw bad(prefix, "LIMITS", `is wrong: ${(err as Error).message}`);
  }
  return given;
}

function crossOriginRedirects(
  prefix: string,
  raw: string | undefined,
): CrossOriginRedirects | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (isCrossOriginRedirects(value)) return value;
  throw bad(
    prefix,
    "CROSS_ORIGIN_REDIRECTS",
    `must be "refuse" or "strip-credentials", got ${JSON.stringify(raw)}`,
  );
}

function flag(prefix: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw bad(prefix, "DEBUG", `must be true or false, got ${JSON.stringify(raw)}`);
}
