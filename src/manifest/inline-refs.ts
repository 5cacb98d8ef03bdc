/**
 * Replaces a schema's local `$ref`s (`#/$defs/...`, `#/definitions/...`, any
 * pointer into the same document) with the schemas they point to, because the
 * zod converter does not follow references. A cycle stays a cycle of shared
 * objects, which the converter cuts with `z.any()`.
 */
import { isRecord } from "../core/json-guards.js";

type Json = Record<string, unknown>;

/** Keywords that only annotate: kept beside an inlined reference without changing its meaning. */
const annotations = new Set([
  "title",
  "description",
  "default",
  "examples",
  "$comment",
  "deprecated",
]);

/** Keywords that mean nothing once references are inlined. */
const structural = new Set(["$defs", "definitions", "$schema", "$id", "$anchor"]);

function resolvePointer(root: unknown, ref: string): unknown {
  let here = root;
  for (const raw of ref.slice(1).split("/").slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(here)) here = here[Number(key)];
    else if (isRecord(here)) here = here[key];
    else return undefined;
  }
  return here;
}

/** A copy of `schema` with its local references inlined and its definition tables dropped. */
export function inlineLocalRefs(schema: unknown): unknown {
  const memo = new Map<string, unknown>();

  const visitPlain = (node: Json): Json => {
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (!structural.has(k)) out[k] = visit(v);
    }
    return out;
  };

  const visitTarget = (ref: string, target: unknown): unknown => {
    const known = memo.get(ref);
    if (known !== undefined) return known;
    if (!isRecord(target)) return target;
    const out: Json = {};
    memo.set(ref, out);
    Object.assign(out, visit(target));
    return out;
  };

  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isRecord(node)) return node;
    const { $ref, ...rest } = node;
    if (typeof $ref !== "string" || !$ref.startsWith("#")) return visitPlain(node);
    const target = resolvePointer(schema, $ref);
    if (target === undefined) return visitPlain(node);
    const resolved = visitTarget($ref, target);
    const siblings = Object.keys(rest).filter((k) => !structural.has(k));
    if (siblings.length === 0) return resolved;
    if (isRecord(resolved) && siblings.every((k) => annotations.has(k))) {
      return { ...resolved, ...visitPlain(rest) };
    }
    return { allOf: [resolved, visitPlain(rest)] };
  };

  return visit(schema);
}
