/**
 * The transport under every ACP call: builds the request from the operation
 * table, applies credentials and headers, retries what is safe to retry, and
 * turns failures into the exception hierarchy.
 */
import ky, { HTTPError, isHTTPError, type RetryOptions } from "ky";
import type { Dispatcher } from "undici";
import type { Operation, OperationArgs } from "../operations.js";
import { ACP_VERSION } from "../version.js";
import {
  ApiClientConfiguration,
  type ApiClientConfigurationOptions,
  type AuthSetting,
  type Timeout,
} from "./configuration.js";
import {
  ApiAbortError,
  ApiConnectionError,
  ApiException,
  ApiTimeoutError,
  ApiValueError,
  OpenApiException,
} from "./errors.js";
import { anySignal, Deadline, errorCode, headersObject } from "./http-util.js";
import { createDispatcher, isNode, needsDispatcher } from "./node-dispatcher.js";
import { headerCredentials, redactHeaders, redactUrl, type SecretRedactor } from "./redact.js";
import type { ApiResponse, RequestOptions } from "./types.js";
import { parseOrThrow } from "./validation.js";

/** Statuses that say "try again": rate limited, or a gateway or server that is briefly unavailable. */
const retryStatuses = [429, 502, 503, 504];
/** Statuses whose `Retry-After` promises the request was not processed, so even a POST may be resent. */
const notProcessedStatuses = [429, 503];
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

/** How a call wants its response. */
export type ResponseMode = "parsed" | "raw" | "stream";

let defaultApiClient: ApiClient | undefined;

/** Sends the protocol's operations over HTTP with `ky`. */
export class ApiClient {
  /** The settings this client uses. */
  readonly configuration: ApiClientConfiguration;
  /** Headers sent with every request. */
  readonly defaultHeaders: Record<string, string> = {};
  /** A cookie sent with every request. */
  cookie: string | undefined;
  #dispatcher: Promise<Dispatcher> | undefined;
  #logWrites: Promise<void> = Promise.resolve();

  constructor(
    configuration?: ApiClientConfiguration | ApiClientConfigurationOptions,
    headerName?: string,
    headerValue?: string,
    cookie?: string,
  ) {
    this.configuration =
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
   * Sends one operation. `parsed` resolves to the checked body; `raw` to the
   * response of any status, body unread; `stream` to a 2xx response whose body is
   * an event stream, with the timeout applying until its headers arrive.
   */
  async call(
    operation: Operation,
    parts: OperationArgs,
    options: RequestOptions = {},
    mode: ResponseMode = "parsed",
    argValues: readonly unknown[] = [],
  ): Promise<ApiResponse<unknown> | Response> {
    const request = await this.buildRequest(operation, parts, options, mode, argValues);
    const deadline = new Deadline(options.timeout ?? this.deadlineTimeout());
    const signal = anySignal([options.signal, deadline.signal]);
    const failure = (error: unknown) =>
      this.failure(error, operation, options.signal, deadline, request);
    try {
      const response = await this.send(operation, request, signal).catch(async (error) => {
        if (!(error instanceof HTTPError)) throw failure(error);
        if (mode === "raw") return error.response;
        throw await this.httpError(operation, error.response, request.redactor);
      });
      this.log(
        request.redactor.redact(
          `<- ${response.status} ${operation.method} ${redactUrl(request.url)}`,
        ),
      );
      if (mode === "stream") await this.checkEventStream(operation, response, request.redactor);
      if (mode !== "parsed") return response;
      let rawData: Uint8Array;
      try {
        rawData = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw failure(error);
      }
      return {
        statusCode: response.status,
        headers: headersObject(response.headers),
        data: this.parseBody(operation, response, rawData),
        rawData,
      };
    } finally {
      deadline.clear();
    }
  }

  /** Maps a failed exchange to the exception that says what happened. */
  private failure(
    error: unknown,
    operation: Operation,
    userSignal: AbortSignal | undefined,
    deadline: Deadline | undefined,
    request: BuiltRequest,
  ): OpenApiException {
    if (error instanceof OpenApiException) return error;
    const url = request.url;
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
    const detail = code ?? (error instanceof Error ? error.message : String(error));
    return new ApiConnectionError(
      request.redactor.redact(`connection to ${redactUrl(url)} failed: ${detail}`),
      operation.operationId,
      { cause: error },
    );
  }

  /** Reads an error response into the exception class of its status. */
  private async httpError(
    operation: Operation,
    response: Response,
    redactor: SecretRedactor,
  ): Promise<ApiException> {
    const body = redactor.redact(await response.text().catch(() => ""));
    let data: unknown = body;
    try {
      data = body ? JSON.parse(body) : undefined;
    } catch {
      data = body;
    }
    this.log(
      redactor.redact(
        `<- ${response.status} ${operation.method} ${redactUrl(response.url)}: ${body.slice(0, 200)}`,
      ),
    );
    return ApiException.fromResponse({
      status: response.status,
      reason: response.statusText,
      headers: headersObject(response.headers),
      body,
      data,
      operationId: operation.operationId,
    });
  }

  /** A stream answer in another format would otherwise read as an empty stream. */
  private async checkEventStream(
    operation: Operation,
    response: Response,
    redactor: SecretRedactor,
  ): Promise<void> {
    const type = response.headers.get("content-type");
    if (type === null || type.toLowerCase().includes("text/event-stream")) return;
    const text = redactor.redact(await response.text().catch(() => ""));
    throw new ApiValueError(
      `${operation.operationId}: expected a text/event-stream answer, got ${type} (${text.slice(0, 80)})`,
    );
  }

  private parseBody(operation: Operation, response: Response, rawData: Uint8Array): unknown {
    if (operation.response === null || response.status === 204) return undefined;
    const text = new TextDecoder().decode(rawData);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiValueError(
        `${operation.operationId}: the response body is not JSON (${text.slice(0, 80)})`,
      );
    }
    return parseOrThrow(
      operation.response,
      json,
      `${operation.operationId}: the response body does not match the specification`,
    );
  }

  private async send(
    operation: Operation,
    request: BuiltRequest,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const dispatcher = await this.dispatcher();
    const idempotent = idempotentMethods.has(operation.method);
    this.log(
      request.redactor.redact(
        `-> ${operation.method} ${redactUrl(request.url)} ${JSON.stringify(
          redactHeaders(request.headers, request.redactor),
        )}`,
      ),
    );
    return ky(request.url, {
      method: operation.method,
      headers: request.headers,
      body: request.body,
      signal,
      timeout: false,
      throwHttpErrors: true,
      retry: this.retryOptions(idempotent, signal),
      fetch: dispatcher
        ? (input, init) => fetch(input, { ...init, dispatcher } as RequestInit)
        : (input, init) => fetch(input, init),
      hooks: {
        beforeRetry: [
          ({ error, retryCount }) => {
            if (isHTTPError(error)) void error.response.body?.cancel().catch(() => undefined);
            this.log(`retry ${retryCount} of ${operation.operationId} after ${describe(error)}`);
          },
        ],
      },
    });
  }

  private retryOptions(idempotent: boolean, signal: AbortSignal | undefined): RetryOptions {
    return {
      limit: this.configuration.retries,
      methods: ["get", "post", "put", "patch", "delete", "head", "options"],
      statusCodes: retryStatuses,
      afterStatusCodes: notProcessedStatuses,
      jitter: true,
      backoffLimit: 30_000,
      maxRetryAfter: 60_000,
      shouldRetry: ({ error }) => {
        if (signal?.aborted) return false;
        if (isHTTPError(error)) {
          const { status, headers } = error.response;
          if (!retryStatuses.includes(status)) return false;
          if (notProcessedStatuses.includes(status) && headers.has("retry-after")) return undefined;
          return idempotent ? undefined : false;
        }
        return idempotent || neverSent(error);
      },
    };
  }

  private async buildRequest(
    operation: Operation,
    parts: OperationArgs,
    options: RequestOptions,
    mode: ResponseMode,
    argValues: readonly unknown[],
  ): Promise<BuiltRequest> {
    const id = operation.operationId;
    const argument = (value: unknown, fallback: string) => {
      const index = argValues.indexOf(value);
      return index >= 0 ? `argument ${index + 1} (${fallback})` : fallback;
    };
    let path = operation.path;
    for (const name of operation.pathParams) {
      const value = parts.path?.[name];
      if (typeof value !== "string" || value.length === 0) {
        throw new ApiValueError(
          `${id}: ${argument(value, name)} must be a non-empty string, got ${typeof value === "string" ? '""' : typeof value}`,
          [name],
        );
      }
      path = path.replace(`{${name}}`, encodeURIComponent(value));
    }
    let body: string | undefined;
    if (operation.body) {
      const checked = parseOrThrow(
        operation.body,
        parts.body,
        `${id}: ${argument(parts.body, "request body")} is not valid`,
      );
      body = JSON.stringify(checked);
    }
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(parts.query ?? {})) {
      if (value === undefined || value === null) continue;
      if (!["string", "number", "boolean"].includes(typeof value)) {
        throw new ApiValueError(
          `${id}: ${argument(value, name)} must be a string, number or boolean, got ${typeof value}; ` +
            "request options go after every positional argument (pass undefined for skipped ones)",
          [name],
        );
      }
      query.set(name, String(value));
    }
    const host =
      options.hostIndex === undefined
        ? this.configuration.host
        : this.configuration.getHostFromSettings(options.hostIndex, {
            ...this.configuration.serverVariables,
            ...this.configuration.serverOperationVariables[id],
          });
    const search = query.size > 0 ? `?${query}` : "";
    const url = `${host}${path}${search}`;

    const headers: Record<string, string> = {
      ...this.defaultHeaders,
      Accept: mode === "stream" || operation.stream ? "text/event-stream" : "application/json",
    };
    if (body !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
    if (this.cookie) headers.Cookie = this.cookie;
    if (options.lastEventId !== undefined) headers["Last-Event-ID"] = options.lastEventId;
    await this.configuration.refreshApiKeyHook?.(this.configuration);
    const auths = options.auth ? [options.auth] : Object.values(this.configuration.authSettings());
    const authQuery = new URLSearchParams();
    for (const auth of auths) applyAuth(auth, headers, authQuery);
    Object.assign(headers, options.headers);
    const fullUrl = authQuery.size > 0 ? `${url}${search ? "&" : "?"}${authQuery}` : url;
    const redactor = this.configuration
      .redactor()
      .with([...headerCredentials(headers), ...(options.auth ? [options.auth.value] : [])]);
    return { url: fullUrl, headers, body, redactor };
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

/** A request ready to send. */
interface BuiltRequest {
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Hides the configuration's credentials and those this request's headers carry. */
  redactor: SecretRedactor;
}

function applyAuth(
  auth: AuthSetting,
  headers: Record<string, string>,
  query: URLSearchParams,
): void {
  if (auth.in === "header") headers[auth.key] = auth.value;
  else if (auth.in === "query") query.set(auth.key, auth.value);
  else headers.Cookie = [headers.Cookie, `${auth.key}=${auth.value}`].filter(Boolean).join("; ");
}

function neverSent(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && notSentCodes.has(code);
}

function describe(error: unknown): string {
  if (isHTTPError(error)) return `status ${error.response.status}`;
  return errorCode(error) ?? (error instanceof Error ? error.name : "an error");
}
