/**
 * The transport under every ACP call: builds the request from the operation
 * table, applies credentials and headers, retries what is safe to retry, and
 * turns failures into the exception hierarchy.
 */
import type { Dispatcher } from "undici";
import {
  ApiAbortError,
  ApiConnectionError,
  ApiDeadlineExceededError,
  ApiException,
  ApiResponseBodyTimeoutError,
  ApiResponseIdleError,
  ApiResponseTooLargeError,
  ApiTimeoutError,
  ApiValueError,
  ApiWaitNoContentError,
  OpenApiException,
} from "../core/errors.js";
import { type FetchInit, fetchWithRetry, RetryDeadlineError } from "../core/fetch-with-retry.js";
import {
  type BodyWatch,
  maxErrorBodyBytes,
  readBodyWithin,
  readTextCut,
} from "../core/read-body.js";
import {
  headerCredentials,
  isCredentialHeaderName,
  redactHeaders,
  redactUrl,
  type SecretRedactor,
} from "../core/redact.js";
import {
  type AttemptFailure,
  defaultBackoff,
  defaultMaxRetryAfter,
  jitteredBackoff,
  type RetryPolicy,
  retryAfterStatuses,
  retryableStatuses,
} from "../core/retry.js";
import { sleep } from "../core/sleep.js";
import { injectTraceHeaders } from "../core/tracing.js";
import type { Operation, OperationArgs } from "../operations.js";
import { ACP_VERSION } from "../version.js";
import { bodyTimeWatch } from "./body-time.js";
import {
  ApiClientConfiguration,
  type ApiClientConfigurationOptions,
  type AuthSetting,
  type Timeout,
} from "./configuration.js";
import { describeErrorBody } from "./error-body.js";
import {
  anySignal,
  Deadline,
  errorCode,
  fetchFailureCause,
  headersObject,
  httpInfo,
} from "./http-util.js";
import { type ClientLimits, overrideClientLimits } from "./limits.js";
import { createDispatcher, isNode, needsDispatcher } from "./node-dispatcher.js";
import { dropNullOptionals } from "./null-optional.js";
import { fetchFollowingRedirects, type RedirectRules } from "./redirects.js";
import { fastCheckOf } from "./response-check.js";
import type { RequestOptions } from "./types.js";
import { parseOrThrow } from "./validation.js";

/** The pause before asking a wait again after its `attempt`-th 204: up to 200 ms doubling, at most 2 s. */
const waitAgainPause = jitteredBackoff(200, 2_000);

/** Connection errors raised before a request reached the server. */
const notSentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const idempotentMethods = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
/** Shared: decoding is stateless without `{ stream: true }`. */
const utf8 = new TextDecoder();

/**
 * How a call wants its response, in the words of the client's method flavours:
 * `data` the checked body alone, `httpInfo` an `ApiResponse` with status,
 * headers and raw bytes as well, `raw` the response itself, `stream` a 2xx
 * event-stream response.
 */
export type ResponseMode = "data" | "httpInfo" | "raw" | "stream";

let defaultApiClient: ApiClient | undefined;

/** Sends the protocol's operations over HTTP with the runtime's `fetch`. */
export class ApiClient {
  #configuration: ApiClientConfiguration;
  /** Headers sent with every request. */
  readonly defaultHeaders: Record<string, string> = {};
  /** A cookie sent with every request. */
  cookie: string | undefined;
  #dispatcher: Promise<Dispatcher> | undefined;
  #logWrites: Promise<void> = Promise.resolve();
  /** `log`, bound once, for the retry policy of each call. */
  readonly #logLine = (message: string) => this.log(message);

  constructor(
    configuration?: ApiClientConfiguration | ApiClientConfigurationOptions,
    headerName?: string,
    headerValue?: string,
    cookie?: string,
  ) {
    this.#configuration =
      configuration instanceof ApiClientConfiguration
        ? configuration
        : configuration
          ? new ApiClientConfiguration(configuration)
          : ApiClientConfiguration.getDefault();
    if (headerName !== undefined && headerValue !== undefined) {
      this.defaultHeaders[headerName] = headerValue;
    }
    this.cookie = cookie;
    this.userAgent = `agntcy-acp-js (ACP ${ACP_VERSION})`;
  }

  /**
   * The settings this client uses: the one it was made with, or, once a
   * `refreshApiKeyHook` returned new credentials, a copy with them.
   */
  get configuration(): ApiClientConfiguration {
    return this.#configuration;
  }

  /** The client set by {@link setDefault}, or a new one on the default configuration. */
  static getDefault(): ApiClient {
    defaultApiClient ??= new ApiClient();
    return defaultApiClient;
  }

  /** Makes `client` the one {@link getDefault} returns; `undefined` clears it. */
  static setDefault(client: ApiClient | undefined): void {
    defaultApiClient = client;
  }

  /** The `User-Agent` header (runtimes that forbid setting it ignore it). */
  get userAgent(): string | undefined {
    return this.defaultHeaders["User-Agent"];
  }
  set userAgent(value: string | undefined) {
    if (value === undefined) delete this.defaultHeaders["User-Agent"];
    else this.defaultHeaders["User-Agent"] = value;
  }

  /** Sets a header sent with every request. */
  setDefaultHeader(name: string, value: string): void {
    this.defaultHeaders[name] = value;
  }

  /**
   * Closes the connections this client keeps open (Node, when TLS or proxy
   * settings are used) once pending debug lines are written to the log file.
   */
  async close(): Promise<void> {
    await this.#logWrites;
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    const ready = await dispatcher?.catch(() => undefined);
    await ready?.close();
  }

  /**
   * Sends one operation. `data` resolves to the checked body; `httpInfo` to an
   * `ApiResponse` holding it; `raw` to the response of any status, body unread;
   * `stream` to a 2xx response whose body is an event stream, with the timeout
   * applying until its headers arrive. A body read here (an answer's, an error's)
   * is bounded by `responseIdleTimeout` and, unless the operation waits for a run,
   * `responseBodyTimeout` (see `ClientLimits`), over which `options.limits` wins.
   */
  async call(
    operation: Operation,
    parts: OperationArgs,
    options: RequestOptions = {},
    mode: ResponseMode = "httpInfo",
    argValues: readonly unknown[] = [],
  ): Promise<unknown> {
    const started = Date.now();
    const draft = this.draftRequest(operation, parts, options, mode, argValues);
    const limits = overrideClientLimits(this.configuration.limits, options.limits);
    const refresh = this.configuration.refreshApiKeyHook;
    if (refresh) {
      const refreshed = await refresh(this.configuration);
      if (refreshed) this.#configuration = this.#configuration.withOptions(refreshed);
    }
    const request = this.withCredentials(draft, options);
    const timeout = options.timeout ?? this.deadlineTimeout();
    // Without a timeout there is no timer to run and no second signal to join.
    const deadline = timeout === undefined ? undefined : new Deadline(timeout);
    const signal = deadline ? anySignal([options.signal, deadline.signal]) : options.signal;
    try {
      let response: Response;
      try {
        response = await this.send(operation, request, signal, options.retries, started, limits);
        if (response.status === 204 && mode !== "raw" && operation.waits) {
          response = await this.waitAgain(
            operation,
            request,
            signal,
            options.retries,
            response,
            limits,
          );
        }
      } catch (error) {
        throw this.failure(error, operation, options.signal, deadline, request, limits);
      }
      if (!response.ok && mode !== "raw") {
        throw await this.httpError(
          operation,
          response,
          this.bodyWatch(operation, limits),
          request.redactor,
        );
      }
      if (this.configuration.debug) {
        this.log(
          request.redactor.redact(
            `<- ${response.status} ${operation.method} ${redactUrl(request.url)}`,
          ),
        );
      }
      if (mode === "raw") return response;
      if (mode === "stream") {
        if (isEventStream(response)) return response;
        throw await this.notEventStream(
          operation,
          response,
          this.bodyWatch(operation, limits),
          request.redactor,
        );
      }
      let rawData: Uint8Array;
      try {
        const max = limits.maxResponseBytes;
        rawData = await readBodyWithin(
          response,
          max,
          () => new ApiResponseTooLargeError(max, operation.operationId),
          this.bodyWatch(operation, limits),
        );
      } catch (error) {
        throw this.failure(error, operation, options.signal, deadline, request, limits);
      }
      const data = this.parseBody(operation, response, utf8.decode(rawData));
      return mode === "data" ? data : httpInfo(response, data, rawData);
    } finally {
      deadline?.clear();
    }
  }

  /**
   * What bounds the read of a body in time: `responseIdleTimeout` and
   * `responseBodyTimeout`. A wait's body is bounded only once it starts, and only
   * by the silence: its server may hold it back, or send keep-alive bytes, for as
   * long as the run goes on.
   */
  private bodyWatch(operation: Operation, limits: ClientLimits): BodyWatch | undefined {
    const id = operation.operationId;
    const waits = operation.waits;
    return bodyTimeWatch({
      idleMs: limits.responseIdleTimeout,
      idleFromFirstByte: waits,
      totalMs: waits ? Number.POSITIVE_INFINITY : limits.responseBodyTimeout,
      idleError: () => new ApiResponseIdleError(limits.responseIdleTimeout, id),
      totalError: () => new ApiResponseBodyTimeoutError(limits.responseBodyTimeout, id),
    });
  }

  /**
   * A wait answered 204 No Content: the server's own wait ran out before the run
   * stopped (the Python reference server does this). A wait on a known run asks again,
   * with a short growing pause, until an answer comes or the call's timeout or signal
   * ends it; a wait that created its run cannot, since the answer names no run.
   */
  private async waitAgain(
    operation: Operation,
    request: BuiltRequest,
    signal: AbortSignal | undefined,
    retries: number | undefined,
    first: Response,
    limits: ClientLimits,
  ): Promise<Response> {
    let response = first;
    for (let attempt = 0; response.status === 204; attempt++) {
      if (operation.method !== "GET") {
        throw new ApiWaitNoContentError({
          reason: response.statusText,
          headers: headersObject(response.headers),
          operationId: operation.operationId,
          detail:
            "the server's wait ended before the run did, and its answer names no run to wait on (find the run by its metadata and wait on it)",
        });
      }
      await sleep(waitAgainPause(attempt), signal);
      // Each wait is a request of its own, with its own time for retries.
      response = await this.send(operation, request, signal, retries, Date.now(), limits);
    }
    return response;
  }

  /** Maps a failed exchange to the exception that says what happened. */
  private failure(
    error: unknown,
    operation: Operation,
    userSignal: AbortSignal | undefined,
    deadline: Deadline | undefined,
    request: BuiltRequest,
    limits: ClientLimits,
  ): OpenApiException {
    const url = request.url;
    // Checked first: the retry loop's signal is an OpenApiException, but only its own.
    if (error instanceof RetryDeadlineError) {
      const last = error.failure.response
        ? `the last answer was ${error.failure.response.status}`
        : `the last attempt failed (${errorCode(error.failure.error) ?? "no answer"})`;
      return new ApiDeadlineExceededError(
        limits.deadline,
        `${error.message}; ${last}`,
        operation.operationId,
        { cause: error },
      );
    }
    if (error instanceof OpenApiException) return error;
    if (deadline?.expired) {
      return new ApiTimeoutError(
        `no answer within ${deadline.ms} ms from ${redactUrl(url)}`,
        operation.operationId,
        { cause: error },
      );
    }
    if (userSignal?.aborted) return new ApiAbortError(operation.operationId, { cause: error });
    const code = errorCode(error);
    if (
      code === "UND_ERR_CONNECT_TIMEOUT" ||
      code === "UND_ERR_HEADERS_TIMEOUT" ||
      code === "UND_ERR_BODY_TIMEOUT"
    ) {
      return new ApiTimeoutError(
        `timed out (${code}) talking to ${redactUrl(url)}`,
        operation.operationId,
        {
          cause: error,
        },
      );
    }
    return new ApiConnectionError(
      request.redactor.redact(
        `connection to ${redactUrl(url)} failed: ${fetchFailureCause(error)}`,
      ),
      operation.operationId,
      { cause: error },
    );
  }

  /**
   * Reads an error response into the exception class of its status, its body read
   * under `watch`. A body cut by a time limit fails the call with that limit's
   * error; any other failed read leaves it empty.
   */
  private async httpError(
    operation: Operation,
    response: Response,
    watch: BodyWatch | undefined,
    redactor: SecretRedactor,
  ): Promise<ApiException> {
    const body = redactor.redact(
      await readTextCut(response, maxErrorBodyBytes, watch).catch(emptyUnlessTimeLimit),
    );
    let data: unknown = body;
    let json = false;
    try {
      data = body ? JSON.parse(body) : undefined;
      json = true;
    } catch {
      data = body;
    }
    if (this.configuration.debug) {
      this.log(
        redactor.redact(
          `<- ${response.status} ${operation.method} ${redactUrl(response.url)}: ${body.slice(0, 200)}`,
        ),
      );
    }
    return ApiException.fromResponse({
      status: response.status,
      reason: response.statusText,
      headers: headersObject(response.headers),
      body,
      data,
      operationId: operation.operationId,
      detail: describeErrorBody(json ? data : undefined, body),
    });
  }

  /**
   * The error for a stream answer in another format, which would otherwise read as
   * an empty stream; the start of its body (read under `watch`) shows what came.
   */
  private async notEventStream(
    operation: Operation,
    response: Response,
    watch: BodyWatch | undefined,
    redactor: SecretRedactor,
  ): Promise<OpenApiException> {
    const type = response.headers.get("content-type");
    const text = redactor.redact(
      await readTextCut(response, 200, watch).catch(emptyUnlessTimeLimit),
    );
    return new ApiValueError(
      `${operation.operationId}: expected a text/event-stream answer, got ${type} (${text.slice(0, 80)})`,
    );
  }

  private parseBody(operation: Operation, response: Response, text: string): unknown {
    if (operation.response === null || response.status === 204) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiValueError(
        `${operation.operationId}: the response body is not JSON (${text.slice(0, 80)})`,
      );
    }
    const fast = fastCheckOf(operation.response);
    if (fast?.(json)) return json;
    // Only a body the fast check did not vouch for can hold a null to drop.
    if (dropNullOptionals(operation.response, json) && fast?.(json)) return json;
    const result = operation.response.safeParse(json);
    if (result.success) return result.data;
    return parseOrThrow(
      operation.response,
      json,
      `${operation.operationId}: the response body does not match the specification`,
    );
  }

  /** Sends the request, retrying what {@link CallRetryPolicy} allows; resolves to an answer of any status. */
  private send(
    operation: Operation,
    request: BuiltRequest,
    signal: AbortSignal | undefined,
    retries: number | undefined,
    started: number,
    limits: ClientLimits,
  ): Promise<Response> {
    const init: FetchInit = {
      method: operation.method,
      headers: request.headers,
      body: request.body,
      signal,
    };
    const { deadline } = limits;
    const policy = new CallRetryPolicy(
      this.configuration,
      operation,
      signal,
      retries ?? this.configuration.retries,
      this.#logLine,
      deadline === Number.POSITIVE_INFINITY ? undefined : started + deadline,
    );
    const rules = this.redirectRules(operation, request, limits.maxRedirects);
    const attempt = (url: string, attemptInit: FetchInit) =>
      fetchFollowingRedirects(url, attemptInit, rules);
    const pending = this.dispatcher();
    if (!pending) {
      this.logRequest(operation, request);
      return fetchWithRetry(request.url, init, policy, attempt);
    }
    return pending.then((dispatcher) => {
      this.logRequest(operation, request);
      init.dispatcher = dispatcher;
      return fetchWithRetry(request.url, init, policy, attempt);
    });
  }

  /** Which headers and query parameters of `request` are credentials, for redirects. */
  private redirectRules(
    operation: Operation,
    request: BuiltRequest,
    maxRedirects: number,
  ): RedirectRules {
    const configured = new Set(request.credentialHeaders);
    return {
      crossOrigin: this.configuration.crossOriginRedirects,
      max: maxRedirects,
      isCredentialHeader: (name) => configured.has(name) || isCredentialHeaderName(name),
      credentialQueryNames: request.credentialQueryNames,
      operationId: operation.operationId,
      fetch: this.configuration.fetch,
    };
  }

  private logRequest(operation: Operation, request: BuiltRequest): void {
    if (!this.configuration.debug) return;
    this.log(
      request.redactor.redact(
        `-> ${operation.method} ${redactUrl(request.url)} ${JSON.stringify(
          redactHeaders(request.headers, request.redactor),
        )}`,
      ),
    );
  }

  /** The request of an operation's arguments, checked, before credentials are added. */
  private draftRequest(
    operation: Operation,
    parts: OperationArgs,
    options: RequestOptions,
    mode: ResponseMode,
    argValues: readonly unknown[],
  ): DraftRequest {
    const id = operation.operationId;
    const retries = options.retries;
    if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
      throw new ApiValueError(
        `${id}: the request option retries must be a whole number >= 0, got ${retries}`,
        ["retries"],
      );
    }
    let path = operation.path;
    for (const name of operation.pathParams) {
      const value = parts.path?.[name];
      if (typeof value !== "string" || value.length === 0) {
        throw new ApiValueError(
          `${id}: ${describeArgument(argValues, value, name)} must be a non-empty string, got ${typeof value === "string" ? '""' : typeof value}`,
          [name],
        );
      }
      path = path.replace(`{${name}}`, encodeURIComponent(value));
    }
    let body: string | undefined;
    if (operation.body && fastCheckOf(operation.body)?.(parts.body)) {
      body = JSON.stringify(parts.body);
    } else if (operation.body) {
      const result = operation.body.safeParse(parts.body);
      // The message is only worth building for a body that fails.
      const checked = result.success
        ? result.data
        : parseOrThrow(
            operation.body,
            parts.body,
            `${id}: ${describeArgument(argValues, parts.body, "request body")} is not valid`,
          );
      body = JSON.stringify(checked);
    }
    let search = "";
    if (parts.query) {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(parts.query)) {
        if (value === undefined || value === null) continue;
        if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
          throw new ApiValueError(
            `${id}: ${describeArgument(argValues, value, name)} must be a string, number or boolean, got ${typeof value}; ` +
              "request options go after every positional argument (pass undefined for skipped ones)",
            [name],
          );
        }
        query.set(name, String(value));
      }
      if (query.size > 0) search = `?${query}`;
    }
    const host =
      options.hostIndex === undefined
        ? this.configuration.host
        : this.configuration.getHostFromSettings(options.hostIndex, {
            ...this.configuration.serverVariables,
            ...this.configuration.serverOperationVariables[id],
          });

    const headers: Record<string, string> = {
      ...this.defaultHeaders,
      Accept: mode === "stream" || operation.stream ? "text/event-stream" : "application/json",
    };
    if (body !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
    if (this.cookie) headers.Cookie = this.cookie;
    if (options.lastEventId !== undefined) headers["Last-Event-ID"] = options.lastEventId;
    injectTraceHeaders(headers);
    return { url: `${host}${path}${search}`, headers, body, hasQuery: search !== "" };
  }

  /**
   * Adds the credentials (the request's own `auth`, else the configuration's, read
   * after any refresh) and the request's extra headers, which win over both.
   */
  private withCredentials(draft: DraftRequest, options: RequestOptions): BuiltRequest {
    const headers = draft.headers;
    const auths = options.auth ? { own: options.auth } : this.configuration.authSettings();
    let authQuery: URLSearchParams | undefined;
    const credentialHeaders: string[] = [];
    for (const name in auths) {
      const auth = auths[name] as AuthSetting;
      if (auth.in === "query") {
        authQuery ??= new URLSearchParams();
        authQuery.set(auth.key, auth.value);
      } else {
        applyAuthHeader(auth, headers);
        credentialHeaders.push(auth.in === "header" ? auth.key.toLowerCase() : "cookie");
      }
    }
    if (options.headers) Object.assign(headers, options.headers);
    const url = authQuery ? `${draft.url}${draft.hasQuery ? "&" : "?"}${authQuery}` : draft.url;
    return new BuiltRequest(
      url,
      headers,
      draft.body,
      this.configuration.redactor(),
      options.auth,
      credentialHeaders,
      authQuery ? [...authQuery.keys()] : [],
    );
  }

  /** The configured timeout the request timer enforces; connect/read pairs go to the dispatcher on Node. */
  private deadlineTimeout(): Timeout | undefined {
    const timeout = this.configuration.timeout;
    return typeof timeout === "object" && isNode() ? undefined : timeout;
  }

  private dispatcher(): Promise<Dispatcher> | undefined {
    if (!this.#dispatcher && needsDispatcher(this.configuration)) {
      const creating = createDispatcher(this.configuration);
      this.#dispatcher = creating;
      // A failed creation (say, a missing CA file) is not kept: the next request tries again.
      creating.catch(() => {
        if (this.#dispatcher === creating) this.#dispatcher = undefined;
      });
    }
    return this.#dispatcher;
  }

  private log(message: string): void {
    const c = this.configuration;
    if (!c.debug) return;
    const line = c.loggerFormat(c.redact(message), new Date());
    if (c.loggerFile) {
      const file = c.loggerFile;
      // Chained, so lines land in order; a failing file never fails a request.
      this.#logWrites = this.#logWrites
        .then(() => import("node:fs/promises"))
        .then((fs) => fs.appendFile(file, `${line}\n`))
        .catch(() => undefined);
    } else {
      c.logger.debug(line);
    }
  }
}

/** The async client is the same class: every method already returns a promise. */
export const AsyncApiClient = ApiClient;
/** The async client is the same class: every method already returns a promise. */
export type AsyncApiClient = ApiClient;

/**
 * The retry rules of one call: what cannot do harm twice. An idempotent request is
 * sent again after a busy answer or a lost connection; any request that never
 * reached the server, or was answered 429/503 with `Retry-After` (which says it
 * was not processed). A request fetch itself refused (a blocked port) is not sent
 * again, whatever its method: nothing about it would change.
 */
class CallRetryPolicy implements RetryPolicy {
  readonly maxRetryAfter = defaultMaxRetryAfter;
  readonly backoff = defaultBackoff;
  readonly retries: number;
  readonly deadline: number | undefined;
  readonly #configuration: ApiClientConfiguration;
  readonly #operation: Operation;
  readonly #signal: AbortSignal | undefined;
  readonly #log: (message: string) => void;

  constructor(
    configuration: ApiClientConfiguration,
    operation: Operation,
    signal: AbortSignal | undefined,
    retries: number,
    log: (message: string) => void,
    deadline: number | undefined,
  ) {
    this.retries = retries;
    this.deadline = deadline;
    this.#configuration = configuration;
    this.#operation = operation;
    this.#signal = signal;
    this.#log = log;
  }

  shouldRetry({ response, error }: AttemptFailure): boolean {
    if (this.#signal?.aborted) return false;
    const idempotent = idempotentMethods.has(this.#operation.method);
    if (response) {
      const { status, headers } = response;
      if (!retryableStatuses.includes(status)) return false;
      if (retryAfterStatuses.includes(status) && headers.has("retry-after")) return true;
      return idempotent;
    }
    // A failure without a network error code is fetch refusing the request itself
    // (a blocked port, say): sending it again cannot help, whatever the method.
    const code = errorCode(error);
    if (code === undefined) return false;
    return idempotent || notSentCodes.has(code);
  }

  onRetry(retry: number, failure: AttemptFailure): void {
    if (this.#configuration.debug) {
      this.#log(`retry ${retry} of ${this.#operation.operationId} after ${describe(failure)}`);
    }
  }
}

/** A request's URL, headers and body, before credentials are added. */
interface DraftRequest {
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Whether `url` already has a query string. */
  hasQuery: boolean;
}

/** A request ready to send. */
class BuiltRequest {
  readonly #known: SecretRedactor;
  readonly #auth: AuthSetting | undefined;
  #redactor: SecretRedactor | undefined;

  constructor(
    readonly url: string,
    /** Final: the redactor reads the credentials in them. */
    readonly headers: Readonly<Record<string, string>>,
    readonly body: string | undefined,
    /** The configuration's credentials as they were when the request was made. */
    known: SecretRedactor,
    /** The request's own credentials, in place of the configuration's. */
    auth: AuthSetting | undefined,
    /** The lower-case names of the headers the credentials went into. */
    readonly credentialHeaders: readonly string[],
    /** The query parameters the credentials went into. */
    readonly credentialQueryNames: readonly string[],
  ) {
    this.#known = known;
    this.#auth = auth;
  }

  /**
   * Hides the configuration's credentials and those this request's headers and
   * `auth` carry. Combined on first use: most requests never need it.
   */
  get redactor(): SecretRedactor {
    this.#redactor ??= this.#known.with([
      ...headerCredentials(this.headers),
      ...(this.#auth ? [this.#auth.value] : []),
    ]);
    return this.#redactor;
  }
}

/** Whether a stream answer is an event stream; one that names no type is taken as one. */
function isEventStream(response: Response): boolean {
  const type = response.headers.get("content-type");
  return type === null || type.toLowerCase().includes("text/event-stream");
}

/**
 * For a body read only to describe an answer: a time limit reached ends the call
 * with its error, and any other failure leaves the description empty.
 */
function emptyUnlessTimeLimit(error: unknown): string {
  if (error instanceof ApiResponseIdleError || error instanceof ApiResponseBodyTimeoutError) {
    throw error;
  }
  return "";
}

/** Sets a header or cookie credential. */
function applyAuthHeader(auth: AuthSetting, headers: Record<string, string>): void {
  if (auth.in === "header") headers[auth.key] = auth.value;
  else headers.Cookie = [headers.Cookie, `${auth.key}=${auth.value}`].filter(Boolean).join("; ");
}

/** How an error names a value: by its position among the method's arguments when it is one. */
function describeArgument(argValues: readonly unknown[], value: unknown, fallback: string): string {
  const index = argValues.indexOf(value);
  return index >= 0 ? `argument ${index + 1} (${fallback})` : fallback;
}

function describe({ response, error }: AttemptFailure): string {
  if (response) return `status ${response.status}`;
  return errorCode(error) ?? (error instanceof Error ? error.name : "an error");
}
