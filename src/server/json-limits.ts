import { LimitExceededError } from "./errors.js";

/** How deep and how large the values a client sends may be. */
export interface JsonLimits {
  /** The deepest nesting of objects and arrays in a value. Default 64. */
  maxDepth: number;
  /** The most bytes of JSON text in one field (`input`, `config`, a resume payload...). Default 8 MiB. */
  maxFieldBytes: number;
  /** The most bytes of JSON text in a `metadata` field, which searches index. Default 64 KiB. */
  maxMetadataBytes: number;
}

/** The default `JsonLimits`. */
export const DEFAULT_JSON_LIMITS: JsonLimits = {
  maxDepth: 64,
  maxFieldBytes: 8 * 1024 * 1024,
  maxMetadataBytes: 64 * 1024,
};

/**
 * Checks the fields of a request body against `limits` before anything runs or is
 * stored: a value too deep for a reader to walk, or too large to keep, is a
 * `LimitExceededError` that names the field, the path in it and the limit. The walk
 * is iterative, so no depth of input can overflow the stack here.
 */
export function checkJsonLimits(
  fields: Record<string, unknown>,
  limits: JsonLimits,
  prefix = "",
): void {
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const field = `${prefix}${name}`;
    const deep = deepestPath(value, limits.maxDepth);
    if (deep !== undefined) {
      throw new LimitExceededError(
        `${field}${deep}: nested deeper than the server allows (maxDepth ${limits.maxDepth})`,
        "jsonLimits.maxDepth",
        limits.maxDepth,
        `${field}${deep}`,
      );
    }
    const limit = name === "metadata" ? "maxMetadataBytes" : "maxFieldBytes";
    const max = limits[limit];
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? "");
    if (bytes > max) {
      throw new LimitExceededError(
        `${field}: ${bytes} bytes of JSON, more than the server allows (${limit} ${max})`,
        `jsonLimits.${limit}`,
        max,
        field,
      );
    }
  }
}

/** A value met in the walk, with how it was reached (the path is built only when needed). */
interface Step {
  value: unknown;
  depth: number;
  parent?: Step;
  key?: string | number;
}

/** The path (e.g. `.a[0].b`) of the first value nested deeper than `maxDepth`, if any. */
function deepestPath(value: unknown, maxDepth: number): string | undefined {
  const stack: Step[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const step = stack.pop() as Step;
    if (typeof step.value !== "object" || step.value === null) continue;
    if (step.depth >= maxDepth) return pathOf(step);
    const entries: Array<[string | number, unknown]> = Array.isArray(step.value)
      ? step.value.map((v, i) => [i, v])
      : Object.entries(step.value);
    for (const [key, v] of entries) {
      if (typeof v === "object" && v !== null) {
        stack.push({ value: v, depth: step.depth + 1, parent: step, key });
      }
    }
  }
  return undefined;
}

function pathOf(step: Step): string {
  const keys: Array<string | number> = [];
  for (let s: Step | undefined = step; s?.key !== undefined; s = s.parent) keys.push(s.key);
  return keys
    .reverse()
    .map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`))
    .join("");
}
