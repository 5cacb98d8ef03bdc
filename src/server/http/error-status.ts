/**
 * The one place a domain error becomes an HTTP answer. Some operations of the spec
 * declare only some error statuses (deleting a thread declares no 409, getting an
 * agent no 422), so a kind of error has the statuses it may take in order of
 * preference, and an operation gets the first one it declares.
 */
import type { Context } from "hono";
import type { OperationName } from "../../operations.js";
import {
  BodyTooLargeError,
  InvalidRequestError,
  ResourceNotFoundError,
  ServerClosingError,
  StateConflictError,
  StoreLimitError,
  StoreUnavailableError,
} from "../errors.js";
import { type DeclaredError, declaredErrors } from "./declared-statuses.js";

/** The status and headers an error is answered with; its message is the body. */
export interface ErrorAnswer {
  status: 404 | 409 | 413 | 422 | 503;
  headers?: Record<string, string>;
}

/** Where a request's context keeps the operation it was routed to. */
const OPERATION: unique symbol = Symbol("the operation a request was routed to");

/** A request's context, as the router marks it. */
type RoutedContext = Context & { [OPERATION]?: OperationName };

/**
 * Records the operation a request was routed to, for the statuses of its errors: a
 * field of its context (a weak map entry per request costs the collector more).
 */
export function rememberOperation(c: Context, name: OperationName): void {
  (c as RoutedContext)[OPERATION] = name;
}

/**
 * The first of `preferred` that the request's operation declares; the first of all
 * when the request reached no operation.
 */
function declared(c: Context, preferred: readonly [DeclaredError, ...DeclaredError[]]) {
  const name = (c as RoutedContext)[OPERATION];
  if (name === undefined) return preferred[0];
  const statuses = declaredErrors[name];
  return preferred.find((s) => statuses.includes(s)) ?? preferred[0];
}

/**
 * How the server answers `err` for the request of `c`, or `undefined` for an error
 * that is the server's own fault (a 500).
 *
 * - a missing agent, run, thread or checkpoint: 404 (422 where only that is declared);
 * - a conflict with the state (a busy thread, a run not at an interrupt): 409, or 422
 *   for the operations that declare no 409, as the reference server answers;
 * - a request that does not match the spec, the agent's schemas or a JSON limit: 422
 *   (404 for an operation that declares only 404: what it names cannot exist);
 * - a body over `maxBodyBytes`: 413, before the operation reads it;
 * - a store that cannot be reached: 503 with `Retry-After`, as it may be back soon; a
 *   full store or a closing server: 503, for which the spec declares nothing.
 */
export function errorAnswer(c: Context, err: unknown): ErrorAnswer | undefined {
  if (err instanceof BodyTooLargeError) return { status: 413 };
  if (err instanceof InvalidRequestError) return { status: declared(c, [422, 404]) };
  if (err instanceof ResourceNotFoundError) return { status: declared(c, [404, 422]) };
  if (err instanceof StateConflictError) return { status: declared(c, [409, 422]) };
  if (err instanceof StoreUnavailableError) {
    return { status: 503, headers: { "Retry-After": String(err.retryAfterSeconds) } };
  }
  if (err instanceof StoreLimitError || err instanceof ServerClosingError) return { status: 503 };
  return undefined;
}
