/**
 * Dot-path access to LangGraph state. Graph channels are replaced by key at the top
 * level, so a nested write must hand back a copy of the whole top-level value with
 * every sibling kept; these functions do that without mutating the state they read.
 */
import { OpenApiException } from "../core/errors.js";

/** A graph state, or any plain object addressed by dot paths. */
export type StateRecord = Record<string, unknown>;

/** Thrown when a dot path is malformed or cannot be written. */
export class StatePathError extends OpenApiException {
  /** The path that could not be used. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`state path "${path}": ${message}`);
    this.name = "StatePathError";
    this.path = path;
  }
}

/** Splits `a.b.0.c` into its segments; empty segments are a {@link StatePathError}. */
export function splitStatePath(path: string): string[] {
  if (typeof path !== "string" || path.length === 0) {
    throw new StatePathError(String(path), "must be a non-empty dot path");
  }
  const segments = path.split(".");
  if (segments.some((segment) => segment.length === 0)) {
    throw new StatePathError(path, "has an empty segment");
  }
  return segments;
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === "object" && value !== null;
}

function childOf(container: unknown, segment: string): { found: boolean; value: unknown } {
  if (!isContainer(container)) return { found: false, value: undefined };
  if (Array.isArray(container)) {
    const index = Number(segment);
    if (!Number.isInteger(index) || index < 0 || index >= container.length) {
      return { found: false, value: undefined };
    }
    return { found: true, value: container[index] };
  }
  if (!Object.hasOwn(container, segment)) return { found: false, value: undefined };
  return { found: true, value: (container as Record<string, unknown>)[segment] };
}

function lookup(state: unknown, path: string): { found: boolean; value: unknown } {
  let current: { found: boolean; value: unknown } = { found: true, value: state };
  for (const segment of splitStatePath(path)) {
    current = childOf(current.value, segment);
    if (!current.found) return current;
  }
  return current;
}

/** The value at `path` in `state`, or `undefined` when any segment is missing. */
export function getStatePath(state: unknown, path: string): unknown {
  return lookup(state, path).value;
}

/** Whether every segment of `path` exists in `state` (a stored `undefined` counts). */
export function hasStatePath(state: unknown, path: string): boolean {
  return lookup(state, path).found;
}

function withChild(container: unknown, segment: string, value: unknown, path: string): unknown {
  if (Array.isArray(container)) {
    const index = Number(segment);
    if (!Number.isInteger(index) || index < 0) {
      throw new StatePathError(path, `segment "${segment}" is not an array index`);
    }
    const copy = [...container];
    copy[index] = value;
    return copy;
  }
  if (isContainer(container)) {
    return { ...(container as Record<string, unknown>), [segment]: value };
  }
  if (container !== undefined && container !== null) {
    throw new StatePathError(path, `cannot write "${segment}" into a ${typeof container}`);
  }
  return { [segment]: value };
}

function setIn(container: unknown, segments: string[], value: unknown, path: string): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return value;
  const child =
    rest.length === 0 ? value : setIn(childOf(container, head).value, rest, value, path);
  return withChild(container, head, child, path);
}

/**
 * A top-level partial state update that writes `value` at `path`: `{ [topKey]: copy }`,
 * where `copy` is the current top-level value with parents copied and siblings kept.
 * `state` itself is never mutated.
 */
export function setStatePath(state: unknown, path: string, value: unknown): StateRecord {
  const [top, ...rest] = splitStatePath(path);
  const current = childOf(state, top!).value;
  return { [top!]: rest.length === 0 ? value : setIn(current, rest, value, path) };
}

function isPlainObject(value: unknown): value is StateRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function deepMerge(base: unknown, next: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(next)) return next;
  const merged: StateRecord = { ...base };
  for (const [key, value] of Object.entries(next)) {
    merged[key] = Object.hasOwn(merged, key) ? deepMerge(merged[key], value) : value;
  }
  return merged;
}

/**
 * Combines partial updates made by {@link setStatePath} against the same state, so
 * two writes under one top-level key both survive. Later updates win on conflicts;
 * plain objects merge recursively, anything else (arrays included) is replaced.
 */
export function mergeStateUpdates(...updates: Array<StateRecord | undefined | null>): StateRecord {
  let merged: StateRecord = {};
  for (const update of updates) {
    if (update) merged = deepMerge(merged, update) as StateRecord;
  }
  return merged;
}
