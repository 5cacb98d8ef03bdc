/**
 * The server's domain errors: what went wrong, in the server's own terms. Nothing
 * here knows HTTP; the app's error handler (`http/`) is the one place that turns
 * each of these into a status, by what the operation asked declares.
 */
import { OpenApiException } from "../core/errors.js";
import { messageOf } from "../core/message-of.js";

/** The base of every error the server's runs, threads, agents and stores throw. */
export class ACPServerError extends OpenApiException {
  override name = "ACPServerError";
}

/** What a request named that the server does not hold. */
export type MissingKind = "agent" | "run" | "thread" | "checkpoint";

/** A request named an agent, run, thread or checkpoint the server does not hold. */
export class ResourceNotFoundError extends ACPServerError {
  override name = "ResourceNotFoundError";
  constructor(
    /** What is missing. */
    readonly kind: MissingKind,
    /** The id the request gave. */
    readonly id: string,
    /** Where it was looked for, when that is part of the name: a run of one thread. */
    readonly threadId?: string,
  ) {
    super(`${kind} ${id} not found${threadId !== undefined ? ` on thread ${threadId}` : ""}`);
  }
}

/** No agent of this server has this id. */
export class AgentNotFoundError extends ResourceNotFoundError {
  override name = "AgentNotFoundError";
  constructor(agentId: string) {
    super("agent", agentId);
  }
}

/** No thread has this id. */
export class ThreadNotFoundError extends ResourceNotFoundError {
  override name = "ThreadNotFoundError";
  constructor(threadId: string) {
    super("thread", threadId);
  }
}

/** No run has this id (of this thread, when `threadId` is given; stateless otherwise). */
export class RunNotFoundError extends ResourceNotFoundError {
  override name = "RunNotFoundError";
  constructor(runId: string, threadId?: string) {
    super("run", runId, threadId);
  }
}

/** The thread has no checkpoint with this id. */
export class CheckpointNotFoundError extends ResourceNotFoundError {
  override name = "CheckpointNotFoundError";
  constructor(checkpointId: string, threadId: string) {
    super("checkpoint", checkpointId, threadId);
  }
}

/** The request conflicts with the state of what it names. */
export class StateConflictError extends ACPServerError {
  override name = "StateConflictError";
}

/** A run holds the thread, so it takes no new run or change now. */
export class ThreadBusyError extends StateConflictError {
  override name = "ThreadBusyError";
  constructor(
    readonly threadId: string,
    /** The run that holds it; empty when the holder is not known. */
    readonly runId: string,
    /** What the client can do about it, appended to the message. */
    advice?: string,
  ) {
    super(
      `thread ${threadId} is busy with run ${runId || "another run"}${advice ? `; ${advice}` : ""}`,
    );
  }
}

/** A thread with this id exists already. */
export class ThreadExistsError extends StateConflictError {
  override name = "ThreadExistsError";
  constructor(readonly threadId: string) {
    super(`thread ${threadId} already exists`);
  }
}

/** The run cannot do what was asked in its state: resumed when not at an interrupt, rolled back when built on. */
export class RunStateConflictError extends StateConflictError {
  override name = "RunStateConflictError";
  constructor(
    readonly runId: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A run was asked to go where its phase does not lead: executing again once ended,
 * stopping at an interrupt it never reached, anything once deleted. A request that
 * meets it raced another one on the same run.
 */
export class RunPhaseError extends StateConflictError {
  override name = "RunPhaseError";
  constructor(
    /** The phase the run was in. */
    readonly phase: string,
    /** What was refused. */
    readonly event: string,
  ) {
    super(`a run that is ${phase} cannot take "${event}"`);
  }
}

/**
 * The request does not match the spec or the agent's schemas. `path` is where in the
 * request the problem is (`input.text`, `metadata.a[0]`), when it is one place; the
 * message names it too.
 */
export class InvalidRequestError extends ACPServerError {
  override name = "InvalidRequestError";
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** The request asks for more than a limit of the server allows; `limit` names the option. */
export class LimitExceededError extends InvalidRequestError {
  override name = "LimitExceededError";
  constructor(
    message: string,
    /** The option that sets the limit, e.g. `jsonLimits.maxDepth`. */
    readonly limit: string,
    /** Its setting. */
    readonly value: number,
    path?: string,
  ) {
    super(message, path);
  }
}

/** The request body is longer than the server's `maxBodyBytes`. */
export class BodyTooLargeError extends LimitExceededError {
  override name = "BodyTooLargeError";
  constructor(maxBodyBytes: number) {
    super(
      `the request body is larger than the server's maxBodyBytes (${maxBodyBytes} bytes)`,
      "maxBodyBytes",
      maxBodyBytes,
    );
  }
}

/** The server is shutting down: it takes no new work, and a run it handed over goes on elsewhere. */
export class ServerClosingError extends ACPServerError {
  override name = "ServerClosingError";
  constructor(message = "the server is shutting down") {
    super(message);
  }
}

/** The server could not open or recover its store at start, so it serves nothing. */
export class ServerStartError extends ACPServerError {
  override name = "ServerStartError";
  constructor(cause: unknown) {
    super(`the server could not open or recover its store: ${messageOf(cause)}`, { cause });
  }
}

/** A store refused or failed an operation; `operation` names it. */
export class StoreError extends ACPServerError {
  override name = "StoreError";
  constructor(
    message: string,
    /** The store operation, e.g. `runs.insert`. */
    readonly operation: string,
    options?: ErrorOptions,
  ) {
    super(`${operation}: ${message}`, options);
  }
}

/** A record with this id is already stored. */
export class StoreConflictError extends StoreError {
  override name = "StoreConflictError";
}

/** A record cannot be written: it is not plain JSON (a cycle, a BigInt, too deep to encode). */
export class StoreEncodingError extends StoreError {
  override name = "StoreEncodingError";
}

/**
 * A store limit was reached; `limit` names the option (e.g. `maxBytes`) and `value`
 * its setting.
 */
export class StoreLimitError extends StoreError {
  override name = "StoreLimitError";
  constructor(
    message: string,
    operation: string,
    readonly limit: string,
    readonly value: number,
  ) {
    super(`${message} (limit ${limit}: ${value})`, operation);
  }
}

/** How long a client is told to wait before asking again while the store is away, by default. */
export const DEFAULT_STORE_RETRY_AFTER_SECONDS = 5;

/**
 * A backend's driver is not installed, or its database cannot be opened or reached.
 * A request that meets it is answered 503 with `Retry-After: retryAfterSeconds`: the
 * database may be back by then.
 */
export class StoreUnavailableError extends StoreError {
  override name = "StoreUnavailableError";
  /** The seconds a client should wait before asking again. */
  readonly retryAfterSeconds: number;
  constructor(
    message: string,
    operation: string,
    options?: ErrorOptions & { retryAfterSeconds?: number },
  ) {
    super(message, operation, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? DEFAULT_STORE_RETRY_AFTER_SECONDS;
  }
}

/**
 * A run's end could not be stored: the store stayed unavailable for longer than the
 * server retries the write (`storeRetryMs`). The run is not ended; a client waiting on
 * it is told to wait again, as for any unavailable store.
 */
export class RunEndNotStoredError extends StoreUnavailableError {
  override name = "RunEndNotStoredError";
  constructor(
    readonly runId: string,
    /** How long the write was retried, in ms. */
    readonly retriedMs: number,
    cause: unknown,
  ) {
    super(
      `run ${runId}: its end could not be stored for ${retriedMs} ms; it is not ended`,
      "runs.end",
      { cause },
    );
  }
}
