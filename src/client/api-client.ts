/**
 * The transport under every ACP call: it drafts the request (request-draft.ts),
 * adds the credentials (credentials.ts), sends it under the call policy of
 * retries and redirects (call-policy.ts), and reads the answer or turns the
 * failure into the exception hierarchy (response-errors.ts).
 */
import type { Dispatcher } from "undici";
import { ApiResponseTooLargeError } from "../core/errors.js";
import { type FetchInit, fetchWithRetry } from "../core/fetch-with-retry.js";
import { readBodyWithin } from "../core/read-body.js";
import { redactHeaders, redactUrl } from "../core/redact.js";
import type { Operation, OperationArgs } from "../operations.js";
import { ACP_VERSION } from "../version.js";
import { CallRetryPolicy, deadlineTimeout, redirectRulesOf, waitAgain } from "./call-policy.js";
import { ApiClientConfiguration, type ApiClientConfigurationOptions } from "./configuration.js";
import { type BuiltRequest, withCredentials } from "./credentials.js";
import { anySignal, Deadline, httpInfo } from "./http-util.js";
import { type ClientLimits, overrideClientLimits } from "./limits.js";
import { createDispatcher, needsDispatcher } from "./node-dispatcher.js";
import { fetchFollowingRedirects } from "./redirects.js";
import { draftRequest } from "./request-draft.js";
import {
  bodyWatchOf,
  failureOf,
  httpErrorOf,
  isEventStream,
  notEventStreamError,
  parseBody,
} from "./response-errors.js";
import type { RequestOptions } from "./types.js";

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
   * settings are used) once pending debug lines are written to the log file. A
   * dispatcher given in the configuration is the caller's, and stays open.
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
    const draft = draftRequest(this, operation, parts, options, mode, argValues);
    const limits = overrideClientLimits(this.configuration.limits, options.limits);
    const refresh = this.configuration.refreshApiKeyHook;
    if (refresh) {
      const refreshed = await refresh(this.configuration);
      if (refreshed) this.#configuration = this.#configuration.withOptions(refreshed);
    }
    const request = withCredentials(this.configuration, draft, options);
    const timeout = options.timeout ?? deadlineTimeout(this.configuration);
    // Without a timeout there is no timer to run and no second signal to join.
    const deadline = timeout === undefined ? undefined : new Deadline(timeout);
    const signal = deadline ? anySignal([options.signal, deadline.signal]) : options.signal;
    try {
      let response: Response;
      try {
        response = await this.send(operation, request, signal, options.retries, started, limits);
        if (response.status === 204 && mode !== "raw" && operation.waits) {
          response = await waitAgain(operation, signal, response, () =>
            this.send(operation, request, signal, options.retries, Date.now(), limits),
          );
        }
      } catch (error) {
        throw failureOf(error, operation, options.signal, deadline, request, limits);
      }
      if (!response.ok && mode !== "raw") {
        throw await httpErrorOf(
          operation,
          response,
          bodyWatchOf(operation, limits),
          request.redactor,
          this.configuration.debug ? this.#logLine : undefined,
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
        throw await notEventStreamError(
          operation,
          response,
          bodyWatchOf(operation, limits),
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
          bodyWatchOf(operation, limits),
        );
      } catch (error) {
        throw failureOf(error, operation, options.signal, deadline, request, limits);
      }
      const data = parseBody(operation, response, utf8.decode(rawData));
      return mode === "data" ? data : httpInfo(response, data, rawData);
    } finally {
      deadline?.clear();
    }
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
      // The client follows redirects itself (redirects.ts).
      redirect: "manual",
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
    const rules = redirectRulesOf(this.configuration, operation, request, limits.maxRedirects);
    const attempt = (url: string, attemptInit: FetchInit) =>
      fetchFollowingRedirects(url, attemptInit, rules);
    const given = this.configuration.dispatcher;
    if (given) init.dispatcher = given;
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
