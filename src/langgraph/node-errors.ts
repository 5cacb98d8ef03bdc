/** Errors a graph node raises about the data it reads from and writes to the graph. */
import type { z } from "zod";
import { OpenApiException, renderPath } from "../core/errors.js";

/**
 * Which of a node's values a {@link NodeStateError} is about: what it read from the
 * state (`input`) or config (`config`), what it wrote (`output`), or the answer given
 * to its interrupt (`resume`).
 */
export type NodeValueRole = "input" | "output" | "config" | "resume";

/**
 * A node's input, output, config or resume answer was missing, did not match its type,
 * or was refused by the remote agent as invalid. Names the node and the dot path so
 * the user can find the wrong field in the graph state.
 *
 * Running the node again on the same state cannot succeed, so the error says what an
 * HTTP server would: {@link status} 400, a bad request. LangGraph's default `retryOn`
 * reads an error's `status` and does not retry a 400; nor does `isTransientACPError`.
 */
export class NodeStateError extends OpenApiException {
  override name = "NodeStateError";
  /** 400: the error is in the values the node was given, not in a passing fault. */
  readonly status = 400;
  constructor(
    readonly node: string,
    readonly role: NodeValueRole,
    readonly path: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`node "${node}": ${role} at "${path}" ${problem}`, options);
  }
}

/** One line per zod issue (at most five), each with the field it is about. */
export function describeIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, 5).map((issue) => {
    const where = renderPath(issue.path.filter((p) => typeof p !== "symbol"));
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length > 5 ? `; and ${error.issues.length - 5} more` : "";
  return `${lines.join("; ")}${more}`;
}
