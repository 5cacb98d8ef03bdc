/**
 * The server's domain errors as A2A errors, which the SDK's transports answer with the
 * protocol's codes (JSON-RPC errors, HTTP+JSON statuses). As `http/` does for ACP, a
 * server fault is told as such without its text.
 */
import {
  A2AError,
  RequestMalformedError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from "@a2a-js/sdk/errors";
import { messageOf } from "../../core/message-of.js";
import {
  BodyTooLargeError,
  InvalidRequestError,
  ResourceNotFoundError,
  ServerClosingError,
  StateConflictError,
  StoreLimitError,
  StoreUnavailableError,
} from "../errors.js";
import type { ACPServerLogger } from "../options.js";

/**
 * The A2A error for `err`: an A2A error as it is; a request the agent cannot take is
 * invalid params; a missing run is a missing task; a conflict with the run's state an
 * unsupported operation; an unavailable store or a closing server an internal error
 * that says so. Anything else is logged and answered as an internal error.
 */
export function toA2AError(err: unknown, logger: ACPServerLogger): A2AError {
  if (err instanceof A2AError) return err;
  if (err instanceof BodyTooLargeError || err instanceof InvalidRequestError) {
    return new RequestMalformedError(err.message);
  }
  if (err instanceof ResourceNotFoundError) {
    return err.kind === "run"
      ? new TaskNotFoundError(err.message)
      : new RequestMalformedError(err.message);
  }
  if (err instanceof StateConflictError) return new UnsupportedOperationError(err.message);
  if (
    err instanceof StoreUnavailableError ||
    err instanceof StoreLimitError ||
    err instanceof ServerClosingError
  ) {
    return new A2AError(err.message);
  }
  logger.warn(`A2A request failed: ${messageOf(err)}`);
  return new A2AError("internal server error");
}
