/**
 * The settings of an ACP client: where the server is, how to authenticate, and
 * how to connect (TLS, proxy, retries, timeouts, logging).
 */

import type { Dispatcher } from "undici";
import { ApiValueError } from "../core/errors.js";
import { redactUrl, SecretRedactor } from "../core/redact.js";
import { defaultInitialBackoff, defaultMaxBackoff, defaultMaxRetryAfter } from "../core/retry.js";
import { ACP_VERSION } from "../version.js";
import {
  checkBackoff,
  checkBoolean,
  checkRedirects,
  checkRetries,
  checkTimeout,
} from "./configuration-checks.js";
import { type EnvSource, readEnvOptions } from "./env.js";
import { type ClientLimits, resolveClientLimits } from "./limits.js";
import type { CrossOriginRedirects } from "./redirects.js";

/** A timeout in milliseconds: one number for the whole request, or connect and read apart. */
export type Timeout = number | { connect?: number; read?: number };

/**
 * How long the client waits before sending a failed request again, and before
 * re-joining a dropped stream. Every member is in milliseconds; `retries` (how
 * many times) and the `deadline` limit (until when) are set apart.
 */
export interface RetryBackoff {
  /**
   * The longest wait before the first retry: each retry waits a random time up to
   * this, doubled for every retry before it (full jitter, so that clients that
   * failed together do not retry together). Default 300.
   */
  initialDelay: number;
  /** The longest wait before any retry, however many came before. Default 30000. */
  maxDelay: number;
  /**
   * The longest wait a server's `Retry-After` (on a 429 or 503) is honoured for;
   * a longer one is cut to it. Default 60000.
   */
  maxRetryAfter: number;
}

/** The backoff of a configuration that sets none. */
export const defaultRetryBackoff: Readonly<RetryBackoff> = Object.freeze({
  initialDelay: defaultInitialBackoff,
  maxDelay: defaultMaxBackoff,
  maxRetryAfter: defaultMaxRetryAfter,
});

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
   * How long to wait between retries and re-joins: `{ initialDelay, maxDelay,
   * maxRetryAfter }` in ms; each member left out keeps its default (see
   * {@link RetryBackoff}).
   */
  backoff?: Partial<RetryBackoff>;
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
  /**
   * Called before credentials are applied to a request, to refresh expired keys or
   * tokens: the credentials it returns replace the client's from then on (the
   * configuration itself never changes); nothing returned keeps them.
   */
  refreshApiKeyHook?: RefreshApiKeyHook;
  /**
   * The `fetch` every request of the client goes through (retries, redirects and
   * stream re-joins included): a wrapper that traces or records, a runtime's own, a
   * test double. The runtime's global `fetch` when absent. On Node, a TLS or proxy
   * setting hands it an undici `dispatcher` in the request init.
   */
  fetch?: typeof globalThis.fetch;
  /**
   * An undici dispatcher (an `Agent`, `ProxyAgent`, `MockAgent`...) that makes the
   * client's connections, handed to `fetch` in every request's init (Node, or a
   * runtime whose `fetch` takes one). It is the caller's: the client uses it as it
   * is and never closes it. It replaces the one the client makes itself, so it
   * cannot be given with the settings that one applies (the TLS options, `proxy`,
   * `proxyHeaders`, a `{ connect, read }` timeout): set those on the dispatcher.
   */
  dispatcher?: Dispatcher;
}

/** The credentials a {@link RefreshApiKeyHook} may replace. */
export type RefreshedCredentials = Pick<
  ApiClientConfigurationOptions,
  "apiKey" | "apiKeyPrefix" | "username" | "password" | "accessToken"
>;

/** Refreshes expired keys or tokens before a request; see `refreshApiKeyHook`. */
export type RefreshApiKeyHook = (
  configuration: ApiClientConfiguration,
) => RefreshedCredentials | undefined | Promise<RefreshedCredentials | undefined>;

/** The secrets of a configuration, kept in a private field: no printing or copying reaches them. */
interface Secrets {
  apiKey: Readonly<Record<string, string>>;
  password: string | undefined;
  accessToken: string | undefined;
  proxy: string | undefined;
  proxyHeaders: Readonly<Record<string, string>>;
  /** Kept here as well: a proxy agent holds the proxy's credentials. */
  dispatcher: Dispatcher | undefined;
}

const defaultLoggerFormat = (message: string, time: Date) =>
  `${time.toISOString()} acp DEBUG ${message}`;

let defaultConfiguration: ApiClientConfiguration | undefined;

/**
 * All the settings of an ACP client, fixed when it is made: every field is
 * readonly (maps and lists frozen copies), and {@link withOptions} makes a changed
 * copy. The credentials (API keys, password, token, proxy URL and headers, and a
 * given dispatcher, which may hold a proxy's) are read through getters over a
 * private field, so printing, inspecting or serialising a configuration never
 * shows one.
 *
 * The options the Python reference names keep its names, in camelCase (`retries`,
 * `sslCaCert`, `verifySsl`, `proxy`, ...); what it has no name for comes in groups:
 * `backoff` (the waits between retries), `limits` (sizes, silences and counts) and
 * `timeout` (`{ connect, read }`), and `fetch` and `dispatcher` for the transport.
 */
export class ApiClientConfiguration {
  // Where requests go.

  /** The host templates `hostIndex` picks from. */
  readonly servers: readonly HostSetting[];
  /** When set, the host is built from `servers[serverIndex]` instead of the host given. */
  readonly serverIndex: number | undefined;
  /** Values for the variables of the host templates of {@link servers}. */
  readonly serverVariables: Readonly<Record<string, string>>;
  /** Host template variables per operationId, over {@link serverVariables}. */
  readonly serverOperationVariables: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly #host: string;

  // Credentials (the secret ones are getters below).

  /** A prefix per security scheme name, put before its key (e.g. `Bearer`). */
  readonly apiKeyPrefix: Readonly<Record<string, string>>;
  /** Username for HTTP basic authentication. */
  readonly username: string | undefined;
  /** Called before credentials are applied to a request; see {@link ApiClientConfigurationOptions.refreshApiKeyHook}. */
  readonly refreshApiKeyHook: RefreshApiKeyHook | undefined;
  readonly #secrets: Secrets;

  // Retries, time and limits.

  /** How many times a failed request is retried, and a dropped stream re-joined. */
  readonly retries: number;
  /** How long the client waits between retries and re-joins, the defaults filled in. */
  readonly backoff: Readonly<RetryBackoff>;
  /** The timeout of every request in ms, or connect and read apart; none when undefined. */
  readonly timeout: Timeout | undefined;
  /** Every limit of the client, the defaults filled in. */
  readonly limits: Readonly<ClientLimits>;
  /** What a redirect to another origin does. */
  readonly crossOriginRedirects: CrossOriginRedirects;

  // TLS (Node only).

  /** Path of a PEM file of CA certificates to trust. */
  readonly sslCaCert: string | undefined;
  /** CA certificates to trust, as PEM text or DER bytes. */
  readonly caCertData: string | Uint8Array | undefined;
  /** Path of a PEM client certificate for mutual TLS. */
  readonly certFile: string | undefined;
  /** Path of the PEM private key of {@link certFile}. */
  readonly keyFile: string | undefined;
  /** Whether the server's certificate is verified. */
  readonly verifySsl: boolean;
  /** The name sent in TLS SNI and checked against the certificate. */
  readonly tlsServerName: string | undefined;

  // Transport.

  /** The `fetch` every request goes through; the global one when undefined. */
  readonly fetch: typeof globalThis.fetch | undefined;

  // Logging.

  /** Whether each request and response is logged (credentials redacted). */
  readonly debug: boolean;
  /** Where debug lines go when there is no {@link loggerFile}. */
  readonly logger: ApiLogger;
  /** A file that debug lines are appended to instead of the logger (Node only). */
  readonly loggerFile: string | undefined;
  /** Shapes a debug line. */
  readonly loggerFormat: (message: string, time: Date) => string;

  /** The redactor of this configuration's credentials, made when first asked for. */
  #redactor: SecretRedactor | undefined;

  constructor(options: ApiClientConfigurationOptions = {}) {
    const o = options;
    this.#host = (o.host ?? "http://localhost").replace(/\/+$/, "");
    this.servers = Object.freeze((o.servers ?? []).map((server) => Object.freeze({ ...server })));
    this.serverIndex = o.serverIndex;
    this.serverVariables = frozenCopy(o.serverVariables);
    this.serverOperationVariables = Object.freeze(
      Object.fromEntries(
        Object.entries(o.serverOperationVariables ?? {}).map(([id, vars]) => [
          id,
          frozenCopy(vars),
        ]),
      ),
    );
    this.apiKeyPrefix = frozenCopy(o.apiKeyPrefix);
    this.username = o.username;
    this.refreshApiKeyHook = o.refreshApiKeyHook;
    this.#secrets = {
      apiKey: frozenCopy(o.apiKey),
      password: o.password,
      accessToken: o.accessToken,
      proxy: o.proxy,
      proxyHeaders: frozenCopy(o.proxyHeaders),
      dispatcher: checkDispatcher(o),
    };
    this.retries = checkRetries(o.retries ?? 3, "retries");
    this.backoff =
      o.backoff === undefined
        ? defaultRetryBackoff
        : Object.freeze(checkBackoff(o.backoff, defaultRetryBackoff));
    this.timeout = o.timeout === undefined ? undefined : checkTimeout(o.timeout);
    this.limits = Object.freeze(resolveClientLimits(o.limits));
    this.crossOriginRedirects = checkRedirects(o.crossOriginRedirects ?? "refuse");
    this.sslCaCert = o.sslCaCert;
    this.caCertData = o.caCertData;
    this.certFile = o.certFile;
    this.keyFile = o.keyFile;
    this.verifySsl = checkBoolean(o.verifySsl ?? true, "verifySsl");
    this.tlsServerName = o.tlsServerName;
    if (o.fetch !== undefined && typeof o.fetch !== "function") {
      throw new ApiValueError("fetch must be a function like the global fetch", ["fetch"]);
    }
    this.fetch = o.fetch;
    this.debug = checkBoolean(o.debug ?? false, "debug");
    this.logger = o.logger ?? console;
    this.loggerFile = o.loggerFile;
    this.loggerFormat = o.loggerFormat ?? defaultLoggerFormat;
    if (new.target === ApiClientConfiguration) Object.freeze(this);
  }

  /**
   * A configuration whose unset options come from environment variables named
   * `<prefix>HOST` (or `<prefix>ENDPOINT`), `<prefix>API_KEY` (a JSON map),
   * `<prefix>LIMITS` (a JSON object of {@link ClientLimits}), and so on. Their
   * values go through the constructor's checks; a malformed variable is an
   * `ApiValueError` that names it.
   */
  static fromEnvPrefix(
    prefix: string,
    overrides: ApiClientConfigurationOptions = {},
    env?: EnvSource,
  ): ApiClientConfiguration {
    const fromEnv = readEnvOptions(prefix, env);
    const defined = definedOptions(overrides);
    try {
      return new ApiClientConfiguration({ ...fromEnv.options, ...defined });
    } catch (error) {
      const option = error instanceof ApiValueError ? error.pathToItem?.[0] : undefined;
      const variable =
        typeof option === "string" && !(option in defined) ? fromEnv.variables[option] : undefined;
      if (variable === undefined) throw error;
      const shown = variable.value === undefined ? "" : ` (${JSON.stringify(variable.value)})`;
      throw new ApiValueError(
        `environment variable ${variable.name}${shown} is wrong: ${(error as ApiValueError).message}`,
        [variable.name],
      );
    }
  }

  /** The default configuration set by {@link setDefault}; a fresh one when none is set. */
  static getDefault(): ApiClientConfiguration {
    return defaultConfiguration ?? new ApiClientConfiguration();
  }

  /** Makes `configuration` the one {@link getDefault} returns; `undefined` clears it. */
  static setDefault(configuration: ApiClientConfiguration | undefined): void {
    defaultConfiguration = configuration;
  }

  /**
   * A copy with `changes` over these settings, checked as the constructor checks
   * them. A `host` given without a `serverIndex` drops the server index, so the
   * copy goes to that host.
   */
  withOptions(changes: ApiClientConfigurationOptions): ApiClientConfiguration {
    const defined = definedOptions(changes);
    const base = this.toOptions();
    if ("host" in defined && !("serverIndex" in defined)) base.serverIndex = undefined;
    return new ApiClientConfiguration({ ...base, ...defined });
  }

  /** A copy with the same settings (a configuration never changes, so this one would do as well). */
  copy(): ApiClientConfiguration {
    return new ApiClientConfiguration(this.toOptions());
  }

  /** The settings as an options object, credentials included. */
  toOptions(): ApiClientConfigurationOptions {
    return {
      host: this.#host,
      apiKey: { ...this.apiKey },
      apiKeyPrefix: { ...this.apiKeyPrefix },
      username: this.username,
      password: this.password,
      accessToken: this.accessToken,
      serverVariables: { ...this.serverVariables },
      serverOperationVariables: Object.fromEntries(
        Object.entries(this.serverOperationVariables).map(([id, vars]) => [id, { ...vars }]),
      ),
      servers: this.servers.map((server) => ({ ...server })),
      serverIndex: this.serverIndex,
      sslCaCert: this.sslCaCert,
      caCertData: this.caCertData,
      certFile: this.certFile,
      keyFile: this.keyFile,
      verifySsl: this.verifySsl,
      tlsServerName: this.tlsServerName,
      proxy: this.proxy,
      proxyHeaders: { ...this.proxyHeaders },
      retries: this.retries,
      backoff: { ...this.backoff },
      timeout: this.timeout,
      limits: { ...this.limits },
      crossOriginRedirects: this.crossOriginRedirects,
      fetch: this.fetch,
      dispatcher: this.dispatcher,
      debug: this.debug,
      logger: this.logger,
      loggerFile: this.loggerFile,
      loggerFormat: this.loggerFormat,
      refreshApiKeyHook: this.refreshApiKeyHook,
    };
  }

  /** The base URL requests go to: from `servers[serverIndex]` when set, else the host given. */
  get host(): string {
    return this.serverIndex === undefined
      ? this.#host
      : this.getHostFromSettings(this.serverIndex, { ...this.serverVariables });
  }

  /** API keys by security scheme name; each is sent as a header of that name. */
  get apiKey(): Readonly<Record<string, string>> {
    return this.#secrets.apiKey;
  }

  /** Password for HTTP basic authentication. */
  get password(): string | undefined {
    return this.#secrets.password;
  }

  /** Token for HTTP bearer authentication. */
  get accessToken(): string | undefined {
    return this.#secrets.accessToken;
  }

  /** The proxy URL requests are tunnelled through (Node only); it may hold a password. */
  get proxy(): string | undefined {
    return this.#secrets.proxy;
  }

  /** Headers sent to the proxy, e.g. `Proxy-Authorization` (Node only). */
  get proxyHeaders(): Readonly<Record<string, string>> {
    return this.#secrets.proxyHeaders;
  }

  /** The undici dispatcher given to make the client's connections; see {@link ApiClientConfigurationOptions.dispatcher}. */
  get dispatcher(): Dispatcher | undefined {
    return this.#secrets.dispatcher;
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
      ? this.servers.map((server) => ({ ...server }))
      : [{ url: this.#host, description: "The configured host" }];
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
    if (index === undefined) return this.#host;
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
      `Backoff: ${Object.entries(this.backoff)
        .map(([name, value]) => `${name}=${value}`)
        .join(" ")}`,
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
      `Fetch: ${this.fetch ? "given" : "global"}`,
      `Dispatcher: ${this.dispatcher ? "given" : "the client's own when TLS or a proxy needs one"}`,
      `Debug: ${this.debug}${this.loggerFile ? ` (to ${this.loggerFile})` : ""}`,
    ];
    return this.redact(lines.join("\n"));
  }

  /** The settings without credentials, for `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    const {
      logger: _l,
      loggerFormat: _f,
      refreshApiKeyHook: _r,
      fetch: _fetch,
      dispatcher: _dispatcher,
      ...options
    } = this.toOptions();
    const shown: Record<string, unknown> = { ...options, host: redactUrl(this.host) };
    for (const key of ["apiKey", "password", "accessToken", "proxyHeaders"] as const) {
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

  /** A redactor that knows this configuration's credentials. */
  redactor(): SecretRedactor {
    if (this.#redactor) return this.#redactor;
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
    this.#redactor = new SecretRedactor(secrets.filter((s): s is string => typeof s === "string"));
    return this.#redactor;
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

/** The settings a given dispatcher would silently override, by option name. */
const dispatcherSettings = [
  "sslCaCert",
  "caCertData",
  "certFile",
  "keyFile",
  "tlsServerName",
  "proxy",
] as const;

/**
 * The given dispatcher, when it is one and no other option asks for what only the
 * client's own dispatcher applies; each refusal names the option.
 */
function checkDispatcher(o: ApiClientConfigurationOptions): Dispatcher | undefined {
  const dispatcher = o.dispatcher;
  if (dispatcher === undefined) return undefined;
  if (
    typeof dispatcher !== "object" ||
    dispatcher === null ||
    typeof (dispatcher as { dispatch?: unknown }).dispatch !== "function"
  ) {
    throw new ApiValueError(
      "dispatcher must be an undici Dispatcher (an Agent, a ProxyAgent, ...)",
      ["dispatcher"],
    );
  }
  const clash = [
    ...dispatcherSettings.filter((name) => o[name] !== undefined && o[name] !== ""),
    ...(o.verifySsl === false ? ["verifySsl"] : []),
    ...(o.proxyHeaders && Object.keys(o.proxyHeaders).length > 0 ? ["proxyHeaders"] : []),
    ...(typeof o.timeout === "object" && o.timeout !== null ? ["timeout"] : []),
  ];
  if (clash.length > 0) {
    const name = clash[0] as string;
    const what = name === "timeout" ? "a { connect, read } timeout" : name;
    throw new ApiValueError(
      `dispatcher and ${what} cannot both be set: the given dispatcher makes the connections, so set ${what} on it`,
      [name],
    );
  }
  return dispatcher;
}

/** `options` without the entries set to `undefined`, which mean "not given". */
function definedOptions(options: ApiClientConfigurationOptions): ApiClientConfigurationOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function frozenCopy<T extends object>(value: T | undefined): Readonly<T> {
  return Object.freeze({ ...(value ?? ({} as T)) });
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
