/**
 * Type guards for parsed JSON that every part of the library shares. The plain
 * ones also back the client's hand-written "surely valid" checks: each says yes
 * only for a value zod would accept and return unchanged, so a checked value can
 * be used as it is.
 */

/** A JSON object: not null and not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An object zod takes as a record or loose object, and would copy unchanged:
 * plain (not an array, a class instance or null) and without an own `__proto__`
 * key, which zod's copy leaves out (`JSON.parse` does make such keys).
 */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !Object.hasOwn(value, "__proto__");
}

/** An object, string, finite number, boolean or array: what an agent's input or output may be. */
export function isAgentValue(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      return Array.isArray(value) || isPlainRecord(value);
    default:
      return false;
  }
}

/** The spec gives every id the UUID format. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in its usual text form (any version, either case). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
