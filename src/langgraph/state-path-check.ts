/**
 * A node's dot paths checked against the graph's state as it is known at run time:
 * the top-level key against the state's channels, and the keys below it against the
 * channel's zod schema where the state gives one. Zod 4 schemas are read through
 * their `_zod.def`, the definition zod documents for libraries that walk schemas.
 */
import type { $ZodType, $ZodTypes } from "zod/v4/core";
import { splitStatePath } from "./state-paths.js";

/** The channels of a graph state, each with the schema of its value when the state gives one. */
export type StateChannels = ReadonlyMap<string, unknown>;

/**
 * The channels of a graph state given as `Annotation.Root(...)` (no schema below the
 * top level), LangGraph's `StateSchema` (each field's schema) or a zod object schema
 * (each key's schema); undefined for anything else.
 */
export function channelsOf(state: unknown): StateChannels | undefined {
  if (typeof state !== "object" || state === null) return undefined;
  const { spec, shape, fields, getChannelKeys } = state as {
    spec?: unknown;
    shape?: unknown;
    fields?: unknown;
    getChannelKeys?: unknown;
  };
  if (isRecord(spec)) return new Map(Object.keys(spec).map((key) => [key, undefined]));
  if (isRecord(shape)) return new Map(Object.entries(shape));
  // LangGraph's StateSchema, told by its shape so that a LangGraph before it still loads.
  if (isRecord(fields) && typeof getChannelKeys === "function") {
    return new Map(Object.entries(fields).map(([key, field]) => [key, fieldSchema(field)]));
  }
  return undefined;
}

/** The schema of a StateSchema field's value: the field itself, or a ReducedValue's or UntrackedValue's. */
function fieldSchema(field: unknown): unknown {
  if (!isRecord(field) || zodDef(field)) return field;
  if ("valueSchema" in field) return field.valueSchema;
  if ("schema" in field) return field.schema;
  return undefined;
}

/**
 * What is wrong with `path` in a state of `channels`, as the `problem` of a
 * `NodeStateError`, or undefined when the path fits or the state cannot tell.
 */
export function statePathProblem(channels: StateChannels, path: string): string | undefined {
  const segments = splitStatePath(path);
  const top = segments[0] as string;
  if (!channels.has(top)) return noChannel(top, [...channels.keys()]);
  const miss = missAt(channels.get(top), segments, 1);
  return miss && describeMiss(miss, segments);
}

/** The problem of a top-level key that is no channel, with the channels when they are known. */
export function noChannel(top: string, channels?: readonly string[]): string {
  const known = channels ? ` (its channels: ${channels.join(", ")})` : "";
  return `names "${top}", which is no channel of the graph's state${known}`;
}

/** Where a path leaves its schema: the segment, and what the schema holds there. */
interface Miss {
  /** Index of the segment that does not fit. */
  at: number;
  /** The keys declared there, when the schema holds an object. */
  keys: string[];
  /** What the schema holds there when it is no object: `a string`, `an array`. */
  holds: string[];
}

const WRAPPERS = new Set([
  "optional",
  "nullable",
  "default",
  "prefault",
  "catch",
  "readonly",
  "nonoptional",
]);

const LEAVES = new Set([
  "string",
  "number",
  "bigint",
  "boolean",
  "date",
  "symbol",
  "undefined",
  "null",
  "void",
  "never",
  "nan",
  "literal",
  "enum",
  "template_literal",
  "file",
]);

/**
 * Where `segments` from `index` on leave `schema`, or undefined when they fit or the
 * schema cannot tell: no zod 4 schema, an open object, a record, `any`, `unknown`, a
 * transform, a custom type.
 */
function missAt(schema: unknown, segments: string[], index: number): Miss | undefined {
  if (index >= segments.length) return undefined;
  const def = zodDef(schema);
  if (!def) return undefined;
  const segment = segments[index] as string;
  if (WRAPPERS.has(def.type)) {
    return missAt((def as { innerType: unknown }).innerType, segments, index);
  }
  if (LEAVES.has(def.type)) return { at: index, keys: [], holds: [article(def.type)] };
  switch (def.type) {
    case "lazy":
      return missAt(def.getter(), segments, index);
    case "pipe":
      // The value stored is the pipe's output, unknown when a transform makes it.
      return zodDef(def.out)?.type === "transform" ? undefined : missAt(def.out, segments, index);
    case "object": {
      if (Object.hasOwn(def.shape, segment)) return missAt(def.shape[segment], segments, index + 1);
      if (def.catchall && zodDef(def.catchall)?.type !== "never") return undefined;
      return { at: index, keys: Object.keys(def.shape), holds: [] };
    }
    case "array":
      return isIndex(segment)
        ? missAt(def.element, segments, index + 1)
        : { at: index, keys: [], holds: ["an array"] };
    case "tuple": {
      const position = isIndex(segment) ? Number(segment) : -1;
      if (position >= 0 && position < def.items.length) {
        return missAt(def.items[position], segments, index + 1);
      }
      if (position >= 0 && def.rest) return missAt(def.rest, segments, index + 1);
      return { at: index, keys: [], holds: [`a tuple of ${def.items.length}`] };
    }
    case "union":
      return everyMisses(def.options, segments, index);
    case "intersection":
      return everyMisses([def.left, def.right], segments, index);
    default:
      return undefined;
  }
}

/** The miss of a path that none of `options` holds; undefined when one of them does. */
function everyMisses(
  options: readonly unknown[],
  segments: string[],
  index: number,
): Miss | undefined {
  const misses: Miss[] = [];
  for (const option of options) {
    const miss = missAt(option, segments, index);
    if (!miss) return undefined;
    misses.push(miss);
  }
  const deepest = Math.max(...misses.map((miss) => miss.at));
  const there = misses.filter((miss) => miss.at === deepest);
  return {
    at: deepest,
    keys: [...new Set(there.flatMap((miss) => miss.keys))],
    holds: [...new Set(there.flatMap((miss) => miss.holds))],
  };
}

function describeMiss(miss: Miss, segments: string[]): string {
  const key = segments[miss.at] as string;
  const parent = segments.slice(0, miss.at).join(".");
  if (miss.holds.length === 0) {
    const known =
      miss.keys.length > 0 ? `its keys: ${miss.keys.join(", ")}` : "it declares no keys";
    return `names "${key}" under "${parent}", which the state's schema does not declare there (${known})`;
  }
  const kinds = [
    ...(miss.keys.length > 0 ? [`an object of ${miss.keys.join(", ")}`] : []),
    ...miss.holds,
  ];
  return `names "${key}" under "${parent}", where the state's schema holds ${kinds.join(" or ")}`;
}

function zodDef(schema: unknown): $ZodTypes["_zod"]["def"] | undefined {
  const zod = (schema as Partial<$ZodType> | null | undefined)?._zod;
  return isRecord(zod) && isRecord(zod.def) ? (zod.def as $ZodTypes["_zod"]["def"]) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** An array index as the state's reads and writes take one (see state-paths.ts). */
function isIndex(segment: string): boolean {
  const index = Number(segment);
  return Number.isInteger(index) && index >= 0;
}

function article(type: string): string {
  const name = type.replace("_", " ");
  return `${/^[aeiou]/.test(name) ? "an" : "a"} ${name}`;
}
