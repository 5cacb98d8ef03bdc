import { splitStatePath } from "../state-paths.js";
import { IOMapperConfigError } from "./errors.js";
import type { FieldSpec } from "./types.js";

/** A field reduced to its dot path plus the guidance given with it. */
export interface NormalizedField {
  path: string;
  description?: string;
  examples?: unknown[];
}

const BRACKET_INDEX = /\[(\d+)\]/g;
const BRACKET_NAME = /\[['"]([^'"\]]+)['"]\]/g;

/**
 * Turns `$.a.b[0].c`, `$['a'].b` or `a.b.0.c` into the dot path `a.b.0.c`. Wildcards,
 * filters and slices select many values, which a single field cannot be.
 */
export function toDotPath(path: string, where: string): string {
  if (typeof path !== "string" || path.trim() === "") {
    throw new IOMapperConfigError(`${where}: a field path must be a non-empty string`);
  }
  let dotted = path.trim();
  if (dotted === "$") throw new IOMapperConfigError(`${where}: "$" names no field`);
  if (dotted.startsWith("$.")) dotted = dotted.slice(2);
  else if (dotted.startsWith("$[")) dotted = dotted.slice(1);
  dotted = dotted.replace(BRACKET_NAME, ".$1").replace(BRACKET_INDEX, ".$1");
  if (dotted.startsWith(".")) dotted = dotted.slice(1);
  if (/[*?@()[\]:]/.test(dotted)) {
    throw new IOMapperConfigError(
      `${where}: "${path}" selects several values; a field must be one dot path like a.b.0.c`,
    );
  }
  try {
    splitStatePath(dotted);
  } catch {
    throw new IOMapperConfigError(`${where}: "${path}" has an empty segment`);
  }
  return dotted;
}

/** Normalizes a list of field specs; `listName` says which list in errors. */
export function normalizeFields(
  fields: readonly FieldSpec[] | undefined,
  listName: string,
): NormalizedField[] {
  if (!Array.isArray(fields) || fields.length === 0) {
    throw new IOMapperConfigError(`${listName} must list at least one field`);
  }
  return fields.map((field, index) => {
    const where = `${listName}[${index}]`;
    if (typeof field === "string") return { path: toDotPath(field, where) };
    if (typeof field !== "object" || field === null || typeof field.jsonPath !== "string") {
      throw new IOMapperConfigError(
        `${where} must be a dot path or an object with a jsonPath string`,
      );
    }
    const normalized: NormalizedField = { path: toDotPath(field.jsonPath, where) };
    if (field.description !== undefined) normalized.description = field.description;
    if (field.examples !== undefined) normalized.examples = field.examples;
    return normalized;
  });
}

/** True when `path` is `ancestor` itself or lies under it. */
export function isAtOrUnder(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}.`);
}
