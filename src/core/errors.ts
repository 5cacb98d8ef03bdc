/**
 * The exception hierarchy. Every error this library throws is an
 * `OpenApiException`, so one `catch` with `instanceof` tells them apart.
 */

/** The base of every error this library throws. */
export class OpenApiException extends Error {
  override name = "OpenApiException";
}

/** Where in a value a problem was found, as a list of keys and indexes. */
export type PathToItem = ReadonlyArray<string | number>;

function withPath(msg: string, path?: PathToItem): string {
  return path && path.length > 0 ? `${msg} (at ${renderPath(path)})` : msg;
}

/** Renders a path like `specs.interrupts[0].resume_payload`. */
export function renderPath(path: PathToItem): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** A value of the wrong type was given. */
export class ApiTypeError extends OpenApiException {
  override name = "ApiTypeError";
  constructor(
    msg: string,
    readonly pathToItem?: PathToItem,
    readonly validClasses?: readonly string[],
    readonly keyType?: boolean,
  ) {
    super(withPath(msg, pathToItem));
  }
}

/** An error about a value, with where in a larger value it was found. */
abstract class ValueAtPathError extends OpenApiException {
  constructor(
    msg: string,
    readonly pathToItem?: PathToItem,
  ) {
    super(withPath(msg, pathToItem));
  }
}

/** A value was not valid: a request argument, a response body or a streamed event. */
export class ApiValueError extends ValueAtPathError {
  override name = "ApiValueError";
}

/** A required key was missing. */
export class ApiKeyError extends ValueAtPathError {
  override name = "ApiKeyError";
}

/** An attribute could not be read or set. */
export class ApiAttributeError extends ValueAtPathError {
  override name = "ApiAttributeError";
}

/** What an `ApiException` is built from. */
export interface ApiExceptionInit {
  status?: number;
  reason?: string;
  headers?: Record<string, string>;
  /** The response body as text. */
  body?: string;
  /** The response body parsed as JSON, when it was JSON. */
  data?: unknown;
  /** The operation that failed, for the message. */
  operationId?: string;
  /** What the server said, readably (see `describeErrorBody`); the body itself otherwise. */
  detail?: string;
}

/** The server answered with an error status. */
export class ApiException extends OpenApiException {
  override name = "ApiException";
  readonly status: number | undefined;
  readonly reason: string | undefined;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly data: unknown;
  readonly operationId: string | undefined;

  constructor(init: ApiExceptionInit = {}) {
    const where = init.operationId ? `${init.operationId}: ` : "";
    const status = init.status !== undefined ? `(${init.status})` : "";
    const reason = init.reason ? ` ${init.reason}` : "";
    const detail = init.detail ?? (typeof init.data === "string" ? init.data : init.body);
    super(`${where}${status}${reason}${detail ? `: ${detail.slice(0, 500)}` : ""}`);
    this.status = init.status;
    this.reason = init.reason;
    this.headers = init.headers ?? {};
    this.body = init.body;
    this.data = init.data;
    this.operationId = init.operationId;
  }

  /** Builds the exception of the class that matches `init.status`. */
  static fromResponse(init: ApiExceptionInit): ApiException {
    const status = init.status ?? 0;
    const cls = statusClasses[status] ?? (status >= 500 ? ServiceException : ApiException);
    return new cls(init);
  }
}

/** What a status subclass of `ApiException` is built from: its status is its class's. */
export type StatusExceptionInit = Omit<ApiExceptionInit, "status">;

/** 400 Bad Request. */
export class BadRequestException extends ApiException {
  override name = "BadRequestException";
  declare readonly status: 400;
  constructor(init: StatusExceptionInit = {}) {
    super({ ...init, status: 400 });
  }
}
/** 401 Unauthorized: missing or wrong credentials. */
export class UnauthorizedException extends ApiException {
  override name = "UnauthorizedException";
  declare readonly status: 401;
  constructor(init: StatusExceptionInit = {}) {
    super({ ...init, status: 401 });
  }
}
/** 403 Forbidden. */
export class ForbiddenException extends ApiException {
  override name = "ForbiddenException";
  declare readonly status: 403;
  constructor(init: StatusExceptionInit = {}) {
    super({ ...init, status: 403 });
  }
}
/** 404 Not Found: no such agent, run or thread. */
export class NotFoundException extends ApiException {
  override name = "NotFoundException";
  declare readonly status: 404;
  constructor(init: StatusExceptionInit = {}) {
    super({ ...init, status: 404 });
  }
}
/** 409 Conflict: the thread is busy, or the thread already exists. */
export class ConflictException extends ApiException {
  override name = "ConflictException";
  declare readonly status: 409;
  constructor(init: StatusExceptionInit = {}) {
    super({ ...init, status: 409 });
  }
}
/** 422 Unprocessable Entity: the request did not match the spec or the agent's schemas. */
export class UnprocessableEntityException extends ApiException {
  override name = "UnprocessableEntityException";
  declare readonly status: 422;
  constructor(init: StatusExceptionInit = {}) {
    super({ ...init, status: 422 });
  }
}
/**
 * A wait that creates a run was answered 204 No Content: the server's own wait ran
 * out (the Python reference server answers so) and named no run to wait on.
 */
export class ApiWaitNoContentError extends ApiException {
  override name = "ApiWaitNoContentError";
  declare readonly status: 204;
  constructor(init: StatusExceptionInit = {}) {
    super({ ...init, status: 204 });
  }
}
/** 5xx: the server failed. `status` is the one it answered with, 500 when none was given. */
export class ServiceException extends ApiException {
  override name = "ServiceException";
  declare readonly status: number;
  constructor(init: ApiExceptionInit = {}) {
    super({ ...init, status: init.status ?? 500 });
  }
}

const statusClasses: Readonly<Record<number, new (init: ApiExceptionInit) => ApiException>> = {
  400: BadRequestException,
  401: UnauthorizedException,
  403: ForbiddenException,
  404: NotFoundException,
  409: ConflictException,
  422: UnprocessableEntityException,
};

/**
 * The HTTP status a run's `errcode` stands for: the errcode itself when it is an
 * error status (400 to 599, e.g. 499 for a cancelled run, 503 for a run stopped
 * by a shutdown), else 500 (a failure the server gave no status, or no errcode).
 */
export function statusOfErrcode(errcode: number | undefined): number {
  return errcode !== undefined && Number.isInteger(errcode) && errcode >= 400 && errcode <= 599
    ? errcode
    : 500;
}

/** A run ended in error; carries the server's `errcode` and `description`. */
export class ACPRunException extends OpenApiException {
  override name = "ACPRunException";
  /**
   * The HTTP status the errcode stands for (see {@link statusOfErrcode}): 499 a
   * cancelled run, 503 a server that stopped or lost the run, 500 any other failure.
   */
  readonly status: number;
  constructor(
    readonly description: string,
    readonly errcode?: number,
    readonly runId?: string,
  ) {
    super(
      `run${runId ? ` ${runId}` : ""} failed${errcode !== undefined ? ` (errcode ${errcode})` : ""}: ${description}`,
    );
    this.status = statusOfErrcode(errcode);
  }
}

/** One problem found in a descriptor or manifest, with the JSON path where it is. */
export interface DescriptorProblem {
  path: string;
  message: string;
}

/** An agent descriptor or manifest is not valid; lists every problem found. */
export class ACPDescriptorValidationException extends OpenApiException {
  override name = "ACPDescriptorValidationException";
  constructor(readonly problems: readonly DescriptorProblem[]) {
    super(
      `invalid agent descriptor: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n${problems
        .map((p) => `  ${p.path || "(root)"}: ${p.message}`)
        .join("\n")}`,
    );
  }
}

/** The request never got an answer: the connection failed or dropped, after any retries. */
export class ApiConnectionError extends OpenApiException {
  override name = "ApiConnectionError";
  constructor(
    message: string,
    readonly operationId?: string,
    options?: { cause?: unknown },
  ) {
    super(operationId ? `${operationId}: ${message}` : message, options);
  }
}

/** The request did not finish within its timeout. */
export class ApiTimeoutError extends ApiConnectionError {
  override name = "ApiTimeoutError";
}

/** The caller aborted the request through its `AbortSignal`. */
export class ApiAbortError extends OpenApiException {
  override name = "ApiAbortError";
  constructor(
    readonly operationId?: string,
    options?: { cause?: unknown },
  ) {
    super(`${operationId ? `${operationId}: ` : ""}request aborted`, options);
  }
}

/**
 * An event stream dropped and could not be joined again: the server refused the
 * re-join, or the attempts ran out. `lastEventId` says where the stream stopped.
 */
export class ApiStreamRejoinError extends ApiConnectionError {
  override name = "ApiStreamRejoinError";
  constructor(
    message: string,
    operationId: string | undefined,
    readonly lastEventId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, operationId, options);
  }
}

/**
 * A dropped stream was joined again with `Last-Event-ID`, and the server's next
 * event does not come after the last one delivered: the server did not honour the
 * header, so its events cannot be told apart from the ones already delivered. The
 * request option `rejoinIds` says how to read such a server instead.
 */
export class ApiStreamRejoinIdError extends ApiStreamRejoinError {
  override name = "ApiStreamRejoinIdError";
  constructor(
    operationId: string | undefined,
    lastEventId: string,
    /** The id of the first event the re-joined stream sent. */
    readonly receivedId: string,
  ) {
    super(
      `the stream was joined again after event ${JSON.stringify(lastEventId)}, but the server's next event has id ${JSON.stringify(receivedId)}: it did not go on after Last-Event-ID, so its events cannot be told apart from those already delivered (replayed, or numbered anew per connection); set the request option rejoinIds to "replay" or "per-connection" for such a server`,
      operationId,
      lastEventId,
    );
  }
}

/**
 * The name of one of the client's limits (`ClientLimits`), as the error that
 * reports it names it.
 */
export type ClientLimitName =
  | "maxResponseBytes"
  | "maxSseFrameBytes"
  | "streamIdleTimeout"
  | "responseIdleTimeout"
  | "responseBodyTimeout"
  | "deadline"
  | "maxStreamRejoins"
  | "maxRedirects";

/** What every limit error carries. */
export interface LimitExceeded {
  /** The option that set the limit, e.g. `maxResponseBytes`. */
  readonly limit: ClientLimitName;
  /** Its value when it was reached. */
  readonly value: number;
}

/** Built from an operation and a message, prefixed with the operation when known. */
const where = (operationId: string | undefined, message: string) =>
  operationId ? `${operationId}: ${message}` : message;

/** A response body was larger than `maxResponseBytes`; reading stopped at the limit. */
export class ApiResponseTooLargeError extends OpenApiException implements LimitExceeded {
  override name = "ApiResponseTooLargeError";
  readonly limit = "maxResponseBytes" as const;
  constructor(
    readonly value: number,
    readonly operationId?: string,
  ) {
    super(where(operationId, `the response body is larger than maxResponseBytes (${value} bytes)`));
  }
}

/** An event-stream frame was larger than `maxSseFrameBytes`; the stream was closed. */
export class ApiFrameTooLargeError extends OpenApiException implements LimitExceeded {
  override name = "ApiFrameTooLargeError";
  readonly limit = "maxSseFrameBytes" as const;
  constructor(
    readonly value: number,
    readonly operationId?: string,
  ) {
    super(
      where(operationId, `an event-stream frame is larger than maxSseFrameBytes (${value} bytes)`),
    );
  }
}

/** No event arrived for `streamIdleTimeout` ms (keep-alives do not count); the stream was closed. */
export class ApiStreamIdleError extends ApiTimeoutError implements LimitExceeded {
  override name = "ApiStreamIdleError";
  readonly limit = "streamIdleTimeout" as const;
  constructor(
    readonly value: number,
    operationId?: string,
    readonly lastEventId?: string,
  ) {
    super(
      `no event for streamIdleTimeout (${value} ms)${lastEventId === undefined ? "" : ` after event ${lastEventId}`}; keep-alives do not count`,
      operationId,
    );
  }
}

/**
 * A response body sent no byte for `responseIdleTimeout` ms (counted from its
 * headers, or for a wait from its first byte); the connection was closed.
 */
export class ApiResponseIdleError extends ApiTimeoutError implements LimitExceeded {
  override name = "ApiResponseIdleError";
  readonly limit = "responseIdleTimeout" as const;
  constructor(
    readonly value: number,
    operationId?: string,
  ) {
    super(`the response body sent no byte for responseIdleTimeout (${value} ms)`, operationId);
  }
}

/** A response body did not arrive in full within `responseBodyTimeout` ms of its headers. */
export class ApiResponseBodyTimeoutError extends ApiTimeoutError implements LimitExceeded {
  override name = "ApiResponseBodyTimeoutError";
  readonly limit = "responseBodyTimeout" as const;
  constructor(
    readonly value: number,
    operationId?: string,
  ) {
    super(
      `the response body did not arrive in full within responseBodyTimeout (${value} ms) of its headers`,
      operationId,
    );
  }
}

/** Retries could not be done within the call's `deadline`. */
export class ApiDeadlineExceededError extends ApiTimeoutError implements LimitExceeded {
  override name = "ApiDeadlineExceededError";
  readonly limit = "deadline" as const;
  constructor(
    readonly value: number,
    detail: string,
    operationId?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `retrying would go past the call's deadline (${value} ms): ${detail}`,
      operationId,
      options,
    );
  }
}

/** A stream was re-joined `maxStreamRejoins` times and dropped again. */
export class ApiStreamRejoinLimitError extends ApiStreamRejoinError implements LimitExceeded {
  override name = "ApiStreamRejoinLimitError";
  readonly limit = "maxStreamRejoins" as const;
  constructor(
    readonly value: number,
    operationId: string | undefined,
    lastEventId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `the stream dropped ${lastEventId === undefined ? "before any event" : `after event ${lastEventId}`} and was already re-joined maxStreamRejoins (${value}) times`,
      operationId,
      lastEventId,
      options,
    );
  }
}

/** A request was redirected more than `maxRedirects` times. */
export class ApiTooManyRedirectsError extends ApiConnectionError implements LimitExceeded {
  override name = "ApiTooManyRedirectsError";
  readonly limit = "maxRedirects" as const;
  constructor(
    readonly value: number,
    operationId?: string,
  ) {
    super(`redirected more than maxRedirects (${value}) times`, operationId);
  }
}

/**
 * A redirect was not followed: it pointed to another origin and the configuration
 * says `crossOriginRedirects: "refuse"`, or following it would have sent the
 * request body there, or the runtime does not show where it pointed.
 */
export class ApiRedirectRefusedError extends ApiConnectionError {
  override name = "ApiRedirectRefusedError";
}
