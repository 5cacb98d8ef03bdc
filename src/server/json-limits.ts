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
    const measured = measure(value, limits.maxDepth);
    if (measured.deep !== undefined) {
      throw new LimitExceededError(
        `${field}${measured.deep}: nested deeper than the server allows (maxDepth ${limits.maxDepth})`,
        "jsonLimits.maxDepth",
        limits.maxDepth,
        `${field}${measured.deep}`,
      );
    }
    const limit = name === "metadata" ? "maxMetadataBytes" : "maxFieldBytes";
    const max = limits[limit];
    const bytes = measured.bytes ?? Buffer.byteLength(JSON.stringify(value) ?? "");
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

/**
 * What one walk of a value finds: the path (e.g. `.a[0].b`) of the first value nested
 * deeper than `maxDepth`, if any, else the bytes of its JSON text, counted without
 * making the text. `bytes` is undefined for a value that is not plain JSON (a
 * `toJSON`, a function...): its text is then made to count them.
 */
function measure(value: unknown, maxDepth: number): { deep?: string; bytes?: number } {
  let bytes = 0;
  let plain = true;
  const stack: Step[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const step = stack.pop() as Step;
    const current = step.value;
    if (typeof current !== "object" || current === null) {
      const scalar = scalarBytes(current);
      if (scalar === undefined) plain = false;
      else bytes += scalar;
      continue;
    }
    if (step.depth >= maxDepth) return { deep: pathOf(step) };
    if (typeof (current as { toJSON?: unknown }).toJSON === "function") plain = false;
    const entries: Array<[string | number, unknown]> = Array.isArray(current)
      ? current.map((v, i) => [i, v])
      : Object.entries(current);
    // Brackets, and a comma between two entries; a key and its colon.
    bytes += 2 + Math.max(entries.length - 1, 0);
    for (const [key, v] of entries) {
      if (typeof key === "string") bytes += (stringBytes(key) as number) + 1;
      if (typeof v === "object" && v !== null) {
        stack.push({ value: v, depth: step.depth + 1, parent: step, key });
      } else {
        const scalar = scalarBytes(v);
        if (scalar === undefined) plain = false;
        else bytes += scalar;
      }
    }
  }
  return plain ? { bytes } : {};
}

/**
 * The bytes of a string's JSON text (quotes included): its length when it is printable
 * ASCII with no quote or backslash, else measured on its text.
 */
function stringBytes(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
      return Buffer.byteLength(JSON.stringify(text));
    }
  }
  return text.length + 2;
}

/** The bytes of a scalar's JSON text; undefined for one JSON text has no plain form for. */
function scalarBytes(value: unknown): number | undefined {
  switch (typeof value) {
    case "string":
      return stringBytes(value);
    case "number":
      return Number.isFinite(value) ? String(value).length : 4;
    case "boolean":
      return value ? 4 : 5;
    case "object":
      return 4;
    default:
      return undefined;
  }
}

function pathOf(step: Step): string {
  const keys: Array<string | number> = [];
  for (let s: Step | undefined = step; s?.key !== undefined; s = s.parent) keys.push(s.key);
  return keys
    .reverse()
    .map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`))
    .join("");
}
