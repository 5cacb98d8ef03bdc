/**
 * Responses and failures: reading an answer's body within its time limits,
 * checking it against the operation's schema, and turning an error status or a
 * failed exchange into the exception that says what happened.
 */
import {
  ApiAbortError,
  ApiConnectionError,
  ApiDeadlineExceededError,
  ApiException,
  ApiResponseBodyTimeoutError,
  ApiResponseIdleError,
  ApiTimeoutError,
  ApiValueError,
  OpenApiException,
} from "../core/errors.js";
import { RetryDeadlineError } from "../core/fetch-with-retry.js";
import { type BodyWatch, maxErrorBodyBytes, readTextCut } from "../core/read-body.js";
import { redactUrl, type SecretRedactor } from "../core/redact.js";
import type { Operation } from "../operations.js";
import { bodyTimeWatch } from "./body-time.js";
import type { BuiltRequest } from "./credentials.js";
import { describeErrorBody } from "./error-body.js";
import { type Deadline, errorCode, fetchFailureCause, headersObject } from "./http-util.js";
import type { ClientLimits } from "./limits.js";
import { dropNullOptionals } from "./null-optional.js";
import { fastCheckOf } from "./response-check.js";
import { parseOrThrow } from "./validation.js";

/**
 * What bounds the read of a body in time: `responseIdleTimeout` and
 * `responseBodyTimeout`. A wait's body is bounded only once it starts, and only
 * by the silence: its server may hold it back, or send keep-alive bytes, for as
 * long as the run goes on.
 */
export function bodyWatchOf(operation: Operation, limits: ClientLimits): BodyWatch | undefined {
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

/** Maps a failed exchange to the exception that says what happened. */
export function failureOf(
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
      // The last attempt's own failure; the loop's signal stays inside.
      { cause: error.failure.error },
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
    request.redactor.redact(`connection to ${redactUrl(url)} failed: ${fetchFailureCause(error)}`),
    operation.operationId,
    { cause: error },
  );
}

/**
 * Reads an error response into the exception class of its status, its body read
 * under `watch`. A body cut by a time limit fails the call with that limit's
 * error; any other failed read leaves it empty.
 */
export async function httpErrorOf(
  operation: Operation,
  response: Response,
  watch: BodyWatch | undefined,
  redactor: SecretRedactor,
  /** Where the answer is logged when the configuration says `debug`. */
  log: ((message: string) => void) | undefined,
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
  if (log) {
    log(
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
export async function notEventStreamError(
  operation: Operation,
  response: Response,
  watch: BodyWatch | undefined,
  redactor: SecretRedactor,
): Promise<OpenApiException> {
  const type = response.headers.get("content-type");
  const text = redactor.redact(await readTextCut(response, 200, watch).catch(emptyUnlessTimeLimit));
  return new ApiValueError(
    `${operation.operationId}: expected a text/event-stream answer, got ${type} (${text.slice(0, 80)})`,
  );
}

/** The body of a 2xx answer, checked against the operation's response schema. */
export function parseBody(operation: Operation, response: Response, text: string): unknown {
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

/** Whether a stream answer is an event stream; one that names no type is taken as one. */
export function isEventStream(response: Response): boolean {
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
