/**
 * The store errors, for the backends beside this file: they are defined with the
 * server's other domain errors, in one place.
 */
export {
  StoreConflictError,
  StoreEncodingError,
  StoreError,
  StoreLimitError,
  StoreUnavailableError,
} from "../errors.js";
