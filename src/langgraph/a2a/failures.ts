/**
 * What the SDK throws, as the library's errors: an A2A error answer keeps its reason
 * and status, an abort is `ApiAbortError`, anything else is a failed exchange. The
 * node's credentials are hidden in every message, since the SDK quotes response
 * bodies, and a server may echo the request.
 */
import { A2AError } from "@a2a-js/sdk/errors";
import { ApiAbortError, OpenApiException } from "../../core/errors.js";
import { messageOf } from "../../core/message-of.js";
import type { SecretRedactor } from "../../core/redact.js";
import { A2AClientError } from "./errors.js";

function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status === "number" ? status : undefined;
}

/** `err`, thrown by the SDK while doing `operation` for `where`, as a library error. */
export function clientFailure(
  err: unknown,
  where: string,
  operation: string,
  redactor: SecretRedactor,
  signal?: AbortSignal,
): Error {
  if (err instanceof OpenApiException) return err;
  if (signal?.aborted) return new ApiAbortError(`${where}: ${operation}`, { cause: signal.reason });
  const detail = redactor.redact(messageOf(err));
  // The SDK's error is kept as the cause only when its message holds no credential.
  const keep = detail === messageOf(err) ? { cause: err } : {};
  if (err instanceof A2AError) {
    return new A2AClientError(where, operation, detail, err.reason, statusOf(err), keep);
  }
  // The SDK wraps an error event of a JSON-RPC stream in a plain Error whose cause is the A2A error.
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause instanceof A2AError) {
    return new A2AClientError(where, operation, detail, cause.reason, statusOf(cause), keep);
  }
  return new A2AClientError(where, operation, detail, undefined, undefined, keep);
}

const UNSUPPORTED_STATUSES = new Set([404, 405, 501]);

/**
 * Whether the SDK's error says the agent does not serve the operation at all: the A2A
 * reason `UNSUPPORTED_OPERATION`, JSON-RPC's "method not found", or an HTTP status
 * that means no such endpoint.
 */
export function isUnsupportedOperation(err: unknown): boolean {
  if (!(err instanceof A2AError)) return false;
  const { envelopeCode } = err as { envelopeCode?: unknown };
  const status = statusOf(err);
  return (
    err.reason === "UNSUPPORTED_OPERATION" ||
    envelopeCode === -32601 ||
    (status !== undefined && UNSUPPORTED_STATUSES.has(status))
  );
}
