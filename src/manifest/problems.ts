/**
 * The verdict shape shared by every validator of this entry, and the turning of
 * zod issues into problems that name the JSON path where each one is.
 */
import type { z } from "zod";
import { type DescriptorProblem, type PathToItem, renderPath } from "../core/errors.js";

export type { DescriptorProblem } from "../core/errors.js";

/**
 * What a validator returns when it is not asked to throw: either the parsed
 * document, or every problem found (never just the first).
 */
export type ValidationResult<T> =
  | { valid: true; value: T; problems: readonly [] }
  | { valid: false; value?: undefined; problems: readonly DescriptorProblem[] };

/** One problem at `path` (a list of keys and indexes from the document's root). */
export function problem(path: PathToItem, message: string): DescriptorProblem {
  return { path: renderPath(path), message };
}

function valueAt(root: unknown, path: PathToItem): unknown {
  let here = root;
  for (const key of path) {
    if (here === null || typeof here !== "object") return undefined;
    here = (here as Record<string | number, unknown>)[key];
  }
  return here;
}

/**
 * The problems of a failed zod parse of `input`, each with its path under `prefix`.
 * A missing field says "is required" rather than zod's "expected X, received undefined".
 */
export function problemsFromZod(
  error: z.ZodError,
  input: unknown,
  prefix: PathToItem = [],
): DescriptorProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const missing =
      issue.code === "invalid_type" && path.length > 0 && valueAt(input, path) === undefined;
    return problem([...prefix, ...path], missing ? "is required" : issue.message);
  });
}
