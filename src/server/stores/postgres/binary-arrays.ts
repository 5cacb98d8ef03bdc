import { StoreEncodingError } from "../errors.js";

/**
 * The element types of the array parameters the store's statements send, by the name a
 * statement casts them with, and each one's PostgreSQL type OID (`pg_type.oid`).
 */
const ELEMENT_OIDS = {
  text: 25,
  int: 23,
  integer: 23,
  boolean: 16,
  bytea: 17,
} as const;

/** An element type of an array parameter, as a statement casts it (`$3::text[]`). */
export type ArrayElementType = keyof typeof ELEMENT_OIDS;

/** A parameter cast to an array of one of those types: `$3::text[]` gives 3 and `text`. */
const ARRAY_CAST = /\$(\d+)::(text|int|integer|boolean|bytea)\[\]/g;

/**
 * The array parameters of a statement, from its text: the position of each one cast to
 * an array of a type above, and that type. A position cast to two types is left out: its
 * values go as the driver encodes them.
 */
export function arrayParameters(text: string): ReadonlyMap<number, ArrayElementType> {
  const types = new Map<number, ArrayElementType | null>();
  for (const [, position, type] of text.matchAll(ARRAY_CAST)) {
    const index = Number(position) - 1;
    const seen = types.get(index);
    types.set(index, seen === undefined || seen === type ? (type as ArrayElementType) : null);
  }
  const arrays = new Map<number, ArrayElementType>();
  for (const [index, type] of types) if (type !== null) arrays.set(index, type);
  return arrays;
}

/**
 * `values` as PostgreSQL's binary form of a one-dimensional array of `type` (what its
 * `array_recv` reads): a `Buffer`, which the `pg` driver sends as a binary parameter.
 * Unlike the driver's text form of an array, nothing is escaped on the way out and
 * nothing parsed on the way in: a string goes as its UTF-8 bytes, a byte array as is.
 * `null` and `undefined` are SQL NULL. A value of the wrong kind is a
 * `StoreEncodingError` naming the element and the parameter (`index`, from 0: `$1` is 0).
 */
export function binaryArray(
  type: ArrayElementType,
  values: readonly unknown[],
  index: number,
  operation: string,
): Buffer {
  // First each element's size (-1 for NULL), then the bytes, written in place.
  const sizes = new Int32Array(values.length);
  let size = 20 + 4 * values.length;
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const bytes = elementSize(type, values[i]);
    if (bytes === undefined) {
      throw new StoreEncodingError(
        `element ${i} of parameter $${index + 1} is ${kindOf(values[i])}, which ${type}[] cannot hold`,
        operation,
      );
    }
    sizes[i] = bytes;
    if (bytes < 0) nulls = 1;
    else size += bytes;
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.writeInt32BE(1, 0); // dimensions
  at = out.writeInt32BE(nulls, at);
  at = out.writeInt32BE(ELEMENT_OIDS[type], at);
  at = out.writeInt32BE(values.length, at);
  at = out.writeInt32BE(1, at); // the lower bound
  for (let i = 0; i < values.length; i++) {
    const bytes = sizes[i] as number;
    at = out.writeInt32BE(bytes, at);
    if (bytes >= 0) at = writeElement(type, values[i], out, at);
  }
  return out;
}

/** The size of an element's bytes: -1 for SQL NULL, `undefined` for a value `type` cannot hold. */
function elementSize(type: ArrayElementType, value: unknown): number | undefined {
  if (value === null || value === undefined) return -1;
  switch (type) {
    case "text":
      // As the driver's text form: a string as is, another primitive as its string.
      if (typeof value === "string") return Buffer.byteLength(value, "utf8");
      if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
        return Buffer.byteLength(String(value), "utf8");
      }
      return undefined;
    case "int":
    case "integer":
      return isInt32(value) ? 4 : undefined;
    case "boolean":
      return typeof value === "boolean" ? 1 : undefined;
    case "bytea":
      return value instanceof Uint8Array ? value.byteLength : undefined;
  }
}

/** What a value is, for an error: "a number", "an object". */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** True for a number an `integer` holds. */
const isInt32 = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31;

/** Writes an element that `elementSize` measured into `out` at `at`; the offset after it. */
function writeElement(type: ArrayElementType, value: unknown, out: Buffer, at: number): number {
  switch (type) {
    case "text":
      return at + out.write(typeof value === "string" ? value : String(value), at, "utf8");
    case "int":
    case "integer":
      return out.writeInt32BE(value as number, at);
    case "boolean":
      return out.writeUInt8(value ? 1 : 0, at);
    case "bytea": {
      const bytes = value as Uint8Array;
      out.set(bytes, at);
      return at + bytes.byteLength;
    }
  }
}

/**
 * `values` with each array at a position in `arrays` in binary form (`binaryArray`);
 * the others, and a position whose value is not an array, as given.
 */
export function withBinaryArrays(
  values: readonly unknown[],
  arrays: ReadonlyMap<number, ArrayElementType>,
  operation: string,
): unknown[] {
  if (arrays.size === 0) return values as unknown[];
  const bound = values.slice();
  for (const [index, type] of arrays) {
    const value = bound[index];
    if (Array.isArray(value)) bound[index] = binaryArray(type, value, index, operation);
  }
  return bound;
}
