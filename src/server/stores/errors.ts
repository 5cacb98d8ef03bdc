import { OpenApiException } from "../../core/errors.js";

/** A store refused or failed an operation; `operation` names it. */
export class StoreError extends OpenApiException {
  override name = "StoreError";
  constructor(
    message: string,
    /** The store operation, e.g. `runs.insert`. */
    readonly operation: string,
  ) {
    super(`${operation}: ${message}`);
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

/** A backend's driver is not installed or cannot open its database. */
export class StoreUnavailableError extends StoreError {
  override name = "StoreUnavailableError";
}
