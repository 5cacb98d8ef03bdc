/**
 * A node that asks a REST API in natural language through an API bridge agent: the
 * bridge turns the query into the API call and answers with the API's response.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { fetchFollowingRedirects, type RedirectRules } from "../client/redirects.js";
import {
  ApiAbortError,
  ApiConnectionError,
  ApiException,
  ApiTimeoutError,
  ApiTypeError,
  ApiValueError,
  OpenApiException,
} from "../core/errors.js";
import { AttemptTimeoutError, fetchWithRetry } from "../core/fetch-with-retry.js";
import { messageOf } from "../core/message-of.js";
import { maxErrorBodyBytes, readBodyWithin, readTextCut } from "../core/read-body.js";
import {
  isCredentialHeaderName,
  redactHeaders,
  redactUrl,
  SecretRedactor,
} from "../core/redact.js";
import { type RetryPolicy, retryableStatuses, retryPolicy } from "../core/retry.js";
import { traceHttpRequest } from "../core/tracing.js";
import { stepContextOf } from "../core/tracing-langchain.js";
import { ApiResponseTooLargeError, defaultClientLimits } from "../index.js";
import { StateNode } from "./state-node.js";

/** What the API bridge agent is asked. */
export const APIBridgeInput = z.object({
  query: z.string().describe("Query for the API bridge agent in natural language"),
});
/** What the API bridge agent is asked: `{ query }`. */
export type APIBridgeInput = z.infer<typeof APIBridgeInput>;

/** What the API bridge agent answered. */
export const APIBridgeOutput = z.object({
  result: z.string().describe("API response from API bridge agent"),
});
/** What the API bridge agent answered: `{ result }`. */
export type APIBridgeOutput = z.infer<typeof APIBridgeOutput>;

/** The options of {@link APIBridgeAgentNode}. */
export interface APIBridgeAgentNodeOptions<
  I extends APIBridgeInput = APIBridgeInput,
  O extends APIBridgeOutput = APIBridgeOutput,
> {
  /** The node's name in the graph. */
  name: string;
  /** The base URL of the API bridge, e.g. `http://127.0.0.1:8080`. */
  host: string;
  /** The service behind the bridge; a trailing `/` is added when missing. */
  serviceName: string;
  /** Dot path in the state of the {@link APIBridgeInput}. */
  inputPath: string;
  /** Dot path in the state where the {@link APIBridgeOutput} is written. */
  outputPath: string;
  /** The service's key, sent as `Authorization: Bearer <key>`. */
  serviceApiKey: string;
  /** The input's type; it must have the `query` string. */
  inputType?: z.ZodType<I>;
  /** The output's type; it must accept `{ result }`. */
  outputType?: z.ZodType<O>;
  /** The bridge's own key, sent as `x-api-key` when set. */
  bridgeApiKey?: string;
  /** Milliseconds per attempt; default 60 000. */
  timeout?: number;
  /**
   * Retries after a 408, 429, 502, 503 or 504 answer or a dropped connection; default 2.
   * Set 0 when the service's operations must never run twice.
   */
  retries?: number;
  /**
   * The largest answer read into memory, in bytes; a larger one ends the call in an
   * `ApiResponseTooLargeError` (reading stops at the limit). Default 64 MiB, as the
   * client's `limits.maxResponseBytes`; `Infinity` turns it off.
   */
  maxResponseBytes?: number;
}

/**
 * Sends the input's `query` to `<host>/<serviceName>` as `application/nlq` and
 * writes `{ result }` at the output path: the response text, or a line saying which
 * operation was performed when the response is empty.
 */
export class APIBridgeAgentNode<
  I extends APIBridgeInput = APIBridgeInput,
  O extends APIBridgeOutput = APIBridgeOutput,
> extends StateNode<I, O> {
  /** The base URL of the API bridge. */
  readonly host: string;
  /** The service name, ending with `/`. */
  readonly serviceName: string;
  readonly #serviceApiKey: string;
  readonly #bridgeApiKey: string | undefined;
  readonly #timeout: number;
  readonly #retries: number;
  readonly #maxResponseBytes: number;
  readonly #redactor: SecretRedactor;

  constructor(options: APIBridgeAgentNodeOptions<I, O>) {
    super({
      name: options.name,
      inputPath: options.inputPath,
      outputPath: options.outputPath,
      inputType: options.inputType ?? (APIBridgeInput as unknown as z.ZodType<I>),
      outputType: options.outputType ?? (APIBridgeOutput as unknown as z.ZodType<O>),
    });
    const host = options.host;
    if (!host) throw new ApiTypeError(`node "${options.name}": host is required`);
    if (!options.serviceName) {
      throw new ApiTypeError(`node "${options.name}": serviceName is required`);
    }
    if (typeof options.serviceApiKey !== "string") {
      throw new ApiTypeError(`node "${options.name}": serviceApiKey is required`);
    }
    this.host = host.replace(/\/+$/, "");
    const service = options.serviceName.replace(/^\/+/, "");
    this.serviceName = service.endsWith("/") ? service : `${service}/`;
    this.#serviceApiKey = options.serviceApiKey;
    this.#bridgeApiKey = options.bridgeApiKey;
    this.#timeout = options.timeout ?? 60_000;
    this.#retries = options.retries ?? 2;
    const max = options.maxResponseBytes ?? defaultClientLimits.maxResponseBytes;
    if (!(typeof max === "number" && max > 0)) {
      throw new ApiValueError(
        `node "${options.name}": maxResponseBytes must be a positive number or Infinity, got ${max}`,
        ["maxResponseBytes"],
      );
    }
    this.#maxResponseBytes = max;
    this.#redactor = new SecretRedactor([options.serviceApiKey, this.#bridgeApiKey ?? ""]);
  }

  /** What the node's errors name as their operation. */
  get #where(): string {
    return `api_bridge ${this.getName()}`;
  }

  /** Where the query is posted. */
  get url(): string {
    return `${this.host}/${this.serviceName}`;
  }

  protected override async execute(
    input: I,
    _state: unknown,
    config: LangGraphRunnableConfig,
  ): Promise<APIBridgeOutput> {
    const headers: Record<string, string> = {
      "content-type": "application/nlq",
      authorization: `Bearer ${this.#serviceApiKey}`,
    };
    if (this.#bridgeApiKey !== undefined) headers["x-api-key"] = this.#bridgeApiKey;
    let response: Response;
    try {
      const rules = this.#redirectRules();
      response = await traceHttpRequest("POST", this.url, headers, stepContextOf(config), () =>
        fetchWithRetry(
          this.url,
          { method: "POST", body: input.query, headers, signal: config.signal },
          this.#retryPolicy(),
          (url, init) => fetchFollowingRedirects(url, init, rules),
        ),
      );
    } catch (err) {
      throw this.transportError(err, config.signal);
    }
    if (!response.ok) throw await this.statusError(response);
    const max = this.#maxResponseBytes;
    const where = this.#where;
    let text: string;
    try {
      const bytes = await readBodyWithin(
        response,
        max,
        () => new ApiResponseTooLargeError(max, where),
      );
      text = new TextDecoder().decode(bytes);
    } catch (err) {
      throw this.transportError(err, config.signal);
    }
    const result =
      text.length > 0
        ? text
        : `Operation performed: ${redactUrl(response.url || this.url)} Result ${response.status}`;
    return { result };
  }

  /**
   * The bridge's operations are the caller's to make safe to repeat (`retries: 0`
   * when they are not), so a POST is retried on a busy answer or a lost connection;
   * an attempt that timed out is not.
   */
  #retryPolicy(): RetryPolicy {
    return retryPolicy({
      retries: this.#retries,
      attemptTimeout: this.#timeout,
      shouldRetry: ({ response, error }) =>
        response
          ? retryableStatuses.includes(response.status)
          : !(error instanceof AttemptTimeoutError),
    });
  }

  /** The service key and API key go to the bridge's origin only: another origin's redirect is refused. */
  #redirectRules(): RedirectRules {
    return {
      crossOrigin: "refuse",
      max: defaultClientLimits.maxRedirects,
      isCredentialHeader: isCredentialHeaderName,
      credentialQueryNames: [],
      operationId: this.#where,
    };
  }

  private async statusError(response: Response): Promise<ApiException> {
    const body = await readTextCut(response, maxErrorBodyBytes).catch(() => "");
    return ApiException.fromResponse({
      status: response.status,
      reason: response.statusText,
      headers: redactHeaders(response.headers, this.#redactor),
      body: this.#redactor.redact(body),
      operationId: this.#where,
    });
  }

  private transportError(err: unknown, signal: AbortSignal | undefined): Error {
    const where = this.#where;
    if (signal?.aborted) return new ApiAbortError(where, { cause: signal.reason });
    if (err instanceof AttemptTimeoutError) {
      return new ApiTimeoutError(`no answer within ${this.#timeout} ms`, where);
    }
    if (err instanceof OpenApiException) return err;
    const message = messageOf(err);
    return new ApiConnectionError(
      `cannot reach ${redactUrl(this.url)}: ${this.#redactor.redact(message)}`,
      where,
    );
  }
}
