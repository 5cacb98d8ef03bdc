/**
 * The settings of an ACP client: where the server is, how to authenticate, and
 * how to connect (TLS, proxy, retries, timeouts, logging).
 */

import { ApiValueError } from "../core/errors.js";
import { redactUrl, SecretRedactor } from "../core/redact.js";
import { ACP_VERSION } from "../version.js";
import { type EnvSource, readEnvOptions } from "./env.js";
import { type ClientLimits, resolveClientLimits } from "./limits.js";
import { type CrossOriginRedirects, isCrossOriginRedirects } from "./redirects.js";

/** A timeout in milliseconds: one number for the whole request, or connect and read apart. */
export type Timeout = number | { connect?: number; read?: number };

/** Where a credential goes and what it is, as the transport applies it. */
export interface AuthSetting {
  type: "api_key" | "basic" | "bearer";
  in: "header" | "query" | "cookie";
  /** The header, query parameter or cookie name. */
  key: string;
  value: string;
}

/** A server the client may talk to, with the variables of its URL template. */
export interface HostSetting {
  url: string;
  description?: string;
  variables?: Record<
    string,
    { defaultValue: string; enumValues?: readonly string[]; description?: string }
  >;
}

/** Where debug lines go; `console` fits. */
export interface ApiLogger {
  /** Receives one debug line (requests, answers, retries; credentials redacted). */
  debug(message: string): void;
}

/** The options of {@link ApiClientConfiguration}; every one is optional. */
export interface ApiClientConfigurationOptions {
  /** The base URL of the ACP server, e.g. `http://127.0.0.1:8000`. */
  host?: string;
  /** API keys by security scheme name; each is sent as a header of that name (e.g. `x-api-key`). */
  apiKey?: Record<string, string>;
  /** A prefix per security scheme name, put before its key (e.g. `Bearer`). */
  apiKeyPrefix?: Record<string, string>;
  /** Username for HTTP basic authentication. */
  username?: string;
  /** Password for HTTP basic authentication. */
  password?: string;
  /** Token for HTTP bearer authentication. */
  accessToken?: string;
  /** Values for the variables of the host templates of {@link servers}. */
  serverVariables?: Record<string, string>;
  /** Host template variables per operationId, over {@link serverVariables}. */
  serverOperationVariables?: Record<string, Record<string, string>>;
  /** The host templates that `hostIndex` picks from. */
  servers?: HostSetting[];
  /** When set, the host is built from `servers[serverIndex]` instead of {@link host}. */
  serverIndex?: number;
  /** Path of a PEM file of CA certificates to trust (Node only). */
  sslCaCert?: string;
  /** CA certificates to trust, as PEM text or DER bytes (Node only). */
  caCertData?: string | Uint8Array;
  /** Path of a PEM client certificate for mutual TLS (Node only). */
  certFile?: string;
  /** Path of the PEM private key of {@link certFile} (Node only). */
  keyFile?: string;
  /** Verify the server's certificate; default true. Turn off only for local testing (Node only). */
  verifySsl?: boolean;
  /** The name to send in TLS SNI and to check the certificate against (Node only). */
  tlsServerName?: string;
  /** A proxy URL; requests are tunnelled through it (Node only). */
  proxy?: string;
  /** Headers to send to the proxy, e.g. `Proxy-Authorization` (Node only). */
  proxyHeaders?: Record<string, string>;
  /** How many times a failed request is retried, and a dropped stream re-joined; default 3. */
  retries?: number;
  /**
   * The timeout of every request in milliseconds, body included; none by default,
   * so that a wait lasts as long as its run. Without it a response body is still
   * bounded by the limits `responseIdleTimeout` and `responseBodyTimeout`.
   */
  timeout?: Timeout;
  /**
   * Bounds on response size, stream frames, silence of streams and of response
   * bodies, the time a body takes, retry time, re-joins and redirects; each one
   * left out keeps its default (see {@link ClientLimits}). A request's own `limits`
   * win over these.
   */
  limits?: Partial<ClientLimits>;
  /**
   * What a redirect to another origin does: `"refuse"` (the default) fails the
   * request with `ApiRedirectRefusedError`; `"strip-credentials"` follows it
   * without any credential and without the request body. Same-origin redirects
   * are followed either way.
   */
  crossOriginRedirects?: CrossOriginRedirects;
  /** Log each request and response (credentials redacted). */
  debug?: boolean;
  /** Where debug lines go; default `console`. */
  logger?: ApiLogger;
  /** A file that debug lines are appended to instead of the logger (Node only). */
  loggerFile?: string;
  /** Shapes a debug line; default `<ISO time> acp DEBUG <message>`. */
  loggerFormat?: (message: string, time: Date) => string;
  /** Called before credentials are applied to a request, to refresh expired keys or tokens. */
  refreshApiKeyHook?: (configuration: ApiClientConfiguration) => void | Promise<void>;
}

/**
 * Every option with the value it has when not given: the one list of options the
 * class is built from (accessors, copies, `toOptions`). A new option is one line
 * here beside its documented line in {@link ApiClientConfigurationOptions}.
 */
const defaults = {
  host: "http://localhost",
  apiKey: {},
  apiKeyPrefix: {},
  username: undefined,
  password: undefined,
  accessToken: undefined,
  serverVariables: {},
  serverOperationVariables: {},
  servers: [],
  serverIndex: undefined,
  sslCaCert: undefined,
  caCertData: undefined,
  certFile: undefined,
  keyFile: undefined,
  verifySsl: true,
  tlsServerName: undefined,
  proxy: undefined,
  proxyHeaders: {},
  retries: 3,
  timeout: undefined,
  limits: {},
  crossOriginRedirects: "refuse",
  debug: false,
  logger: console,
  loggerFile: undefined,
  loggerFormat: (message: string, time: Date) => `${time.toISOString()} acp DEBUG ${message}`,
  refreshApiKeyHook: undefined,
} satisfies {
  [K in keyof Required<ApiClientConfigurationOptions>]:
    | ApiClientConfigurationOptions[K]
    | undefined;
};

type OptionName = keyof ApiClientConfigurationOptions;

/** Options whose setting is fuller than what is given: the limits left out are filled in. */
interface Resolved {
  limits: ClientLimits;
}

/** The settings of a configuration: every option, with its default when it was not given. */
type Settings = Omit<Given, keyof Resolved> & Resolved;

type Given = {
  -readonly [K in keyof Required<ApiClientConfigurationOptions>]: undefined extends (typeof defaults)[K]
    ? ApiClientConfigurationOptions[K]
    : Exclude<ApiClientConfigurationOptions[K], undefined>;
};

const optionNames = Object.keys(defaults) as OptionName[];
/** Options that hold a map or a list (empty by default): kept as copies, never shared. */
const containerOptions = new Set(optionNames.filter((name) => isEmptyContainer(defaults[name])));
/** Options checked whenever they are set. */
const checks: { [K in OptionName]?: (value: Settings[K]) => Settings[K] } = {
  host: (value) => value.replace(/\/+$/, ""),
  retries: (value) => checkRetries(value, "retries"),
  timeout: (value) => (value === undefined ? undefined : checkTimeout(value)),
  limits: (value) => resolveClientLimits(value),
  crossOriginRedirects: (value) => checkRedirects(value),
};
/** Credentials: shown by name only, never by value. */
const secretKeys: readonly OptionName[] = ["apiKey", "password", "accessToken", "proxyHeaders"];

/** The settings behind each configuration, out of reach of printing and serialising. */
const store = new WeakMap<ApiClientConfiguration, Settings>();

function settingsOf(configuration: ApiClientConfiguration): Settings {
  return store.get(configuration) as Settings;
}

/** `value` as stored for option `name`: checked, and a map or list copied. */
function stored<K extends OptionName>(name: K, value: Settings[K]): Settings[K] {
  const check = checks[name] as ((v: Settings[K]) => Settings[K]) | undefined;
  const copied = containerOptions.has(name) ? copyOf(value) : value;
  return check ? check(copied) : copied;
}

function copyOf<T>(value: T): T {
  return (Array.isArray(value) ? [...value] : { ...value }) as T;
}

let defaultConfiguration: ApiClientConfiguration | undefined;

/** Every option, readable and settable by its name (credentials included, but never shown). */
export interface ApiClientConfiguration extends Omit<Settings, "host"> {}

/**
 * All the settings of an ACP client. They are kept apart from the object, so
 * printing, inspecting or serialising a configuration never shows a credential.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the option accessors are defined on the prototype below
export class ApiClientConfiguration {
  /** The last redactor made, with the credential values it was made from. */
  #redactorCache: { secrets: readonly string[]; redactor: SecretRedactor } | undefined;

  constructor(options: ApiClientConfigurationOptions = {}) {
    const given = Object.fromEntries(
      Object.entries(options).filter(([, value]) => value !== undefined),
    );
    // Every option then goes through `stored`, which fills in what `Settings` promises.
    const all: Record<string, unknown> = { ...defaults, ...given };
    for (const name of optionNames) all[name] = stored(name, all[name] as never);
    store.set(this, all as unknown as Settings);
  }

  /**
   * A configuration whose unset options come from environment variables named
   * `<prefix>HOST` (or `<prefix>ENDPOINT`), `<prefix>API_KEY` (a JSON map),
   * `<prefix>LIMITS` (a JSON object of {@link ClientLimits}), and so on.
   * A malformed variable is an `ApiValueError` that names it.
   */
  static fromEnvPrefix(
    prefix: string,
    overrides: ApiClientConfigurationOptions = {},
    env?: EnvSource,
  ): ApiClientConfiguration {
    const fromEnv = readEnvOptions(prefix, env);
    const defined = Object.fromEntries(
      Object.entries(overrides).filter(([, value]) => value !== undefined),
    );
    return new ApiClientConfiguration({ ...fromEnv, ...defined });
  }

  /** The default configuration set by {@link setDefault}, copied; a fresh one when none is set. */
  static getDefault(): ApiClientConfiguration {
    return defaultConfiguration ? defaultConfiguration.copy() : new ApiClientConfiguration();
  }

  /** Makes `configuration` (copied) the one {@link getDefault} returns; `undefined` clears it. */
  static setDefault(configuration: ApiClientConfiguration | undefined): void {
    defaultConfiguration = configuration?.copy();
  }

  /** An independent copy with the same settings. */
  copy(): ApiClientConfiguration {
    return new ApiClientConfiguration(this.toOptions());
  }

  /** The settings as an options object, credentials included. */
  toOptions(): ApiClientConfigurationOptions {
    const own = settingsOf(this);
    return Object.fromEntries(
      optionNames.map((name) => [name, containerOptions.has(name) ? copyOf(own[name]) : own[name]]),
    );
  }

  /** The base URL requests go to: from `servers[serverIndex]` when set, else the host given. */
  get host(): string {
    const own = settingsOf(this);
    return own.serverIndex === undefined
      ? own.host
      : this.getHostFromSettings(own.serverIndex, own.serverVariables);
  }
  set host(value: string) {
    const own = settingsOf(this);
    own.host = stored("host", value);
    own.serverIndex = undefined;
  }

  /** The API key of a security scheme with its prefix (`identifier`, else `alias`); undefined when not set. */
  getApiKeyWithPrefix(identifier: string, alias?: string): string | undefined {
    const key = this.apiKey[identifier] ?? (alias === undefined ? undefined : this.apiKey[alias]);
    if (key === undefined) return undefined;
    const prefix = this.apiKeyPrefix[identifier] ?? (alias ? this.apiKeyPrefix[alias] : undefined);
    return prefix ? `${prefix} ${key}` : key;
  }

  /** The `Authorization` header value for HTTP basic authentication; undefined when neither part is set. */
  getBasicAuthToken(): string | undefined {
    if (this.username === undefined && this.password === undefined) return undefined;
    const pair = `${this.username ?? ""}:${this.password ?? ""}`;
    return `Basic ${base64(pair)}`;
  }

  /** The credentials to apply to each request, by name. */
  authSettings(): Record<string, AuthSetting> {
    const settings: Record<string, AuthSetting> = {};
    for (const name of Object.keys(this.apiKey)) {
      const value = this.getApiKeyWithPrefix(name);
      if (value !== undefined) settings[name] = { type: "api_key", in: "header", key: name, value };
    }
    const basic = this.getBasicAuthToken();
    if (basic !== undefined) {
      settings.basicAuth = { type: "basic", in: "header", key: "Authorization", value: basic };
    }
    if (this.accessToken !== undefined) {
      settings.bearerAuth = {
        type: "bearer",
        in: "header",
        key: "Authorization",
        value: `Bearer ${this.accessToken}`,
      };
    }
    return settings;
  }

  /** The host templates `hostIndex` picks from; the configured host when none were given. */
  getHostSettings(): HostSetting[] {
    return this.servers.length > 0
      ? this.servers
      : [{ url: settingsOf(this).host, description: "The configured host" }];
  }

  /**
   * The URL of `servers[index]` with its variables filled from `variables` or their
   * defaults. `index` undefined gives the configured host.
   */
  getHostFromSettings(
    index: number | undefined,
    variables: Record<string, string> = {},
    servers: HostSetting[] = this.getHostSettings(),
  ): string {
    if (index === undefined) return settingsOf(this).host;
    const server = servers[index];
    if (!server) {
      throw new ApiValueError(`invalid host index ${index}: must be less than ${servers.length}`, [
        "hostIndex",
      ]);
    }
    let url = server.url;
    for (const [name, variable] of Object.entries(server.variables ?? {})) {
      const value = variables[name] ?? variable.defaultValue;
      if (variable.enumValues && !variable.enumValues.includes(value)) {
        throw new ApiValueError(
          `server variable ${name} is ${JSON.stringify(value)}; must be one of ${variable.enumValues.join(", ")}`,
          ["serverVariables", name],
        );
      }
      url = url.replaceAll(`{${name}}`, value);
    }
    return url.replace(/\/+$/, "");
  }

  /** Hides every credential of this configuration in `text`. */
  redact(text: string): string {
    return this.redactor().redact(text);
  }

  /** What is worth knowing when reporting a problem; credentials are redacted. */
  toDebugReport(): string {
    const runtime = globalThis.process?.versions?.node
      ? `Node.js ${globalThis.process.versions.node} (${globalThis.process.platform})`
      : (globalThis.navigator?.userAgent ?? "unknown runtime");
    const lines = [
      "agntcy-acp debug report",
      `Runtime: ${runtime}`,
      `ACP version: ${ACP_VERSION}`,
      `Host: ${redactUrl(this.host)}`,
      `Credentials: ${this.describeCredentials()}`,
      `Retries: ${this.retries}`,
      `Timeout: ${this.timeout === undefined ? "none" : JSON.stringify(this.timeout)}`,
      `Limits: ${Object.entries(this.limits)
        .map(([name, value]) => `${name}=${value}`)
        .join(" ")}`,
      `Cross-origin redirects: ${this.crossOriginRedirects}`,
      `TLS: verify=${this.verifySsl}${this.sslCaCert ? ` caFile=${this.sslCaCert}` : ""}${
        this.caCertData ? " caData=set" : ""
      }${this.certFile ? ` certFile=${this.certFile}` : ""}${
        this.tlsServerName ? ` serverName=${this.tlsServerName}` : ""
      }`,
      `Proxy: ${this.proxy ? redactUrl(this.proxy) : "none"}`,
      `Debug: ${this.debug}${this.loggerFile ? ` (to ${this.loggerFile})` : ""}`,
    ];
    return this.redact(lines.join("\n"));
  }

  /** The settings without credentials, for `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    const { logger: _l, loggerFormat: _f, refreshApiKeyHook: _r, ...options } = this.toOptions();
    const shown: Record<string, unknown> = { ...options, host: redactUrl(this.host) };
    for (const key of secretKeys) {
      const value = shown[key];
      if (value === undefined) continue;
      shown[key] =
        typeof value === "object" && value !== null
          ? Object.fromEntries(Object.keys(value).map((k) => [k, "<redacted>"]))
          : "<redacted>";
    }
    if (this.proxy) shown.proxy = redactUrl(this.proxy);
    return shown;
  }

  /** Node's `util.inspect` shows the same redacted view as `toJSON`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `ApiClientConfiguration ${JSON.stringify(this.toJSON())}`;
  }

  /** A redactor that knows this configuration's current credentials. */
  redactor(): SecretRedactor {
    const secrets = [
      ...Object.values(this.apiKey),
      ...Object.keys(this.apiKey).map((name) => this.getApiKeyWithPrefix(name) ?? ""),
      ...Object.values(this.proxyHeaders),
      this.password,
      this.accessToken,
      this.getBasicAuthToken(),
      this.getBasicAuthToken()?.slice("Basic ".length),
    ];
    if (this.proxy) {
      const url = safeUrl(this.proxy);
      if (url?.password) secrets.push(decodeURIComponent(url.password), url.password);
    }
    const known = secrets.filter((s): s is string => typeof s === "string");
    // Reused while the credentials are the same values: a refresh hook that changes them gets a new one.
    const cached = this.#redactorCache;
    if (cached && sameStrings(cached.secrets, known)) return cached.redactor;
    const redactor = new SecretRedactor(known);
    this.#redactorCache = { secrets: known, redactor };
    return redactor;
  }

  private describeCredentials(): string {
    const kinds = [
      ...Object.keys(this.apiKey).map((name) => `api key "${name}"`),
      ...(this.username !== undefined || this.password !== undefined ? ["basic"] : []),
      ...(this.accessToken !== undefined ? ["bearer token"] : []),
    ];
    return kinds.length > 0 ? `${kinds.join(", ")} (values redacted)` : "none";
  }
}

for (const name of optionNames) {
  if (Object.hasOwn(ApiClientConfiguration.prototype, name)) continue;
  Object.defineProperty(ApiClientConfiguration.prototype, name, {
    get(this: ApiClientConfiguration) {
      return settingsOf(this)[name];
    },
    set(this: ApiClientConfiguration, value: never) {
      (settingsOf(this) as unknown as Record<string, unknown>)[name] = stored(name, value);
    },
    configurable: true,
  });
}

function isEmptyContainer(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}

function checkRetries(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ApiValueError(`${name} must be a whole number >= 0, got ${value}`, [name]);
  }
  return value;
}

function checkTimeout(value: Timeout): Timeout {
  const ok = (n: unknown) =>
    n === undefined || (typeof n === "number" && n > 0 && Number.isFinite(n));
  const valid =
    typeof value === "number"
      ? ok(value)
      : typeof value === "object" && value !== null && ok(value.connect) && ok(value.read);
  if (!valid) {
    throw new ApiValueError(
      "timeout must be a positive number of milliseconds, or { connect, read } of them",
      ["timeout"],
    );
  }
  return value;
}

function checkRedirects(value: CrossOriginRedirects): CrossOriginRedirects {
  if (!isCrossOriginRedirects(value)) {
    throw new ApiValueError(
      `crossOriginRedirects must be "refuse" or "strip-credentials", got ${JSON.stringify(value)}`,
      ["crossOriginRedirects"],
    );
  }
  return value;
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** True when both lists hold the same strings in the same order. */
function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
