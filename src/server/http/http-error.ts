/**
 * The error a request handler throws to answer with an error status. Its
 * message becomes the body: the spec's `ErrorResponse` is a JSON string.
 */
import { OpenApiException } from "../../core/errors.js";
export class ACPHttpError extends OpenApiException {
  override name = "ACPHttpError";
  constructor(
    /** The HTTP status to answer with. */
    readonly status: 401 | 404 | 409 | 413 | 422 | 500 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** 404: no agent, run, thread or route by that name. */
export const notFound = (message: string) => new ACPHttpError(404, message);
/** 409: the thread is busy for a new run, or the run cannot be resumed in its state. */
export const conflict = (message: string) => new ACPHttpError(409, message);
/** 422: the request does not match the spec or the agent's schemas. */
export const unprocessable = (message: string) => new ACPHttpError(422, message);
