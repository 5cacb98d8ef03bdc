/** Errors a graph node raises about the data it reads from and writes to the graph. */
import type { z } from "zod";
import { OpenApiException, renderPath } from "../core/errors.js";

/** Which of a node's values a {@link NodeStateError} is about. */
export type NodeValueRole = "input" | "output" | "config";

/**
 * A node's input, output or config was missing or did not match its type. Names the
 * node and the dot path so the user can find the wrong field in the graph state.
 */
export class NodeStateError extends OpenApiException {
  override name = "NodeStateError";
  constructor(
    readonly node: string,
    readonly role: NodeValueRole,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`node "${node}": ${role} at "${path}" ${problem}`);
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
