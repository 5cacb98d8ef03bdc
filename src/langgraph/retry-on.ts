/**
 * Which errors of a remote agent node are worth running the node again for, for a
 * LangGraph `retryPolicy`'s `retryOn`.
 */
import {
  ACPRunException,
  ApiAbortError,
  ApiConnectionError,
  ApiException,
} from "../core/errors.js";
import { A2AClientError } from "./a2a/errors.js";
import { NodeStateError } from "./node-errors.js";

/** The statuses of a fault that may pass: too many requests, a gateway or server away. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * True when running the node again may succeed: a lost or timed-out connection (of
 * ACPNode, or an A2ANode exchange that got no answer), or an answer (or a remote run's
 * end) with status 429, 502, 503 or 504. False for anything
 * else: a refusal (4xx, among them a remote cancellation, 499), a remote failure (500),
 * a {@link NodeStateError}, an abort, and errors this library did not throw.
 *
 * ```ts
 * builder.addNode(node.getName(), node, {
 *   retryPolicy: { maxAttempts: 4, retryOn: isTransientACPError },
 * });
 * ```
 */
export function isTransientACPError(error: unknown): boolean {
  if (error instanceof NodeStateError || error instanceof ApiAbortError) return false;
  if (error instanceof ApiConnectionError) return true;
  if (error instanceof ApiException || error instanceof ACPRunException) {
    return error.status !== undefined && TRANSIENT_STATUSES.has(error.status);
  }
  if (error instanceof A2AClientError) {
    // An A2A exchange with neither a status nor an A2A reason got no answer at all.
    if (error.status === undefined) return error.reason === undefined;
    return TRANSIENT_STATUSES.has(error.status);
  }
  return false;
}
