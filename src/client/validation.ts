/** Turns zod failures into `ApiValueError`s that say what was wrong and where. */
import type { z } from "zod";
import { ApiValueError } from "../core/errors.js";

/** One thing zod found wrong, with where it was. */
type Problem = z.core.$ZodIssue;

/** Parses `value` with `schema`; on mismatch, an `ApiValueError` that starts with `context`. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  context: string,
  basePath: ReadonlyArray<string | number> = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues;
  const problem = deepest(problems);
  const path = [...basePath, ...problem.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  throw new ApiValueError(`${context}: ${problem.message}${more}`, path);
}

/** Within a union, the problem of the branch that got furthest names the field best. */
function deepest(problems: readonly Problem[]): Problem {
  let best = problems[0] as Problem;
  for (const problem of problems) {
    if (problem.code === "invalid_union" && problem.errors.length > 0) {
      const inner = problem.errors
        .map((branch) => deepest(branch))
        .reduce((a, b) => (b.path.length > a.path.length ? b : a));
      const candidate = { ...inner, path: [...problem.path, ...inner.path] } as Problem;
      if (candidate.path.length > best.path.length || best === problem) best = candidate;
    } else if (problem.path.length > best.path.length) {
      best = problem;
    }
  }
  return best;
}
