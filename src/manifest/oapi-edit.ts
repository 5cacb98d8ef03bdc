/**
 * Small edits of an OpenAPI document held as plain JSON: placing an agent's
 * schema as a component, dropping a variant of a polymorphic schema, and
 * pruning the components nothing refers to any more.
 */
import { isRecord } from "../core/json-guards.js";

/** An OpenAPI document or any part of it, as parsed JSON. */
export type Json = Record<string, unknown>;

const componentRef = (name: string) => `#/components/schemas/${name}`;

/** The document's `components.schemas` table. */
export function schemasOf(doc: Json): Json {
  return (doc.components as Json).schemas as Json;
}

/**
 * A copy of an agent's schema whose local references (`#/$defs/...`) point to
 * where the schema now lives, `#/components/schemas/<name>/...`.
 */
export function rebase(schema: unknown, name: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => rebase(s, name));
  if (!isRecord(schema)) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] =
      k === "$ref" && typeof v === "string" && v.startsWith("#")
        ? `${componentRef(name)}${v.slice(1)}`
        : rebase(v, name);
  }
  return out;
}

/** Sets component `name` to the agent's `schema`, with its references rebased. */
export function placeSchema(doc: Json, name: string, schema: unknown): void {
  schemasOf(doc)[name] = rebase(schema, name);
}

/** A `$ref` to component `name`. */
export const refTo = (name: string): Json => ({ $ref: componentRef(name) });

/**
 * Removes the variant `component` from a `oneOf` with a discriminator (the
 * variant and its mapping entry).
 */
export function dropVariant(polymorphic: Json, component: string): void {
  const target = componentRef(component);
  polymorphic.oneOf = (polymorphic.oneOf as Json[]).filter((v) => v.$ref !== target);
  const mapping = (polymorphic.discriminator as Json | undefined)?.mapping as Json | undefined;
  if (!mapping) return;
  for (const [key, ref] of Object.entries(mapping)) if (ref === target) delete mapping[key];
}

/** Removes the operations of `paths` for which `drop(path, method)` is true, and emptied paths. */
export function dropOperations(doc: Json, drop: (path: string, method: string) => boolean): void {
  const paths = doc.paths as Json;
  for (const [path, item] of Object.entries(paths)) {
    const ops = item as Json;
    for (const method of ["get", "put", "post", "delete", "patch"]) {
      if (ops[method] && drop(path, method)) delete ops[method];
    }
    if (!["get", "put", "post", "delete", "patch"].some((m) => ops[m])) delete paths[path];
  }
}

function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectRefs(n, into);
    return;
  }
  if (!isRecord(node)) return;
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref" && typeof v === "string") into.add(v);
    else if (k === "mapping" && isRecord(v)) {
      for (const ref of Object.values(v)) if (typeof ref === "string") into.add(ref);
    } else collectRefs(v, into);
  }
}

/** Removes every component schema that no operation reaches, directly or through others. */
export function pruneSchemas(doc: Json): void {
  const schemas = schemasOf(doc);
  const prefix = componentRef("");
  const reached = new Set<string>();
  const pending: unknown[] = [doc.paths];
  while (pending.length > 0) {
    const refs = new Set<string>();
    collectRefs(pending.pop(), refs);
    for (const ref of refs) {
      if (!ref.startsWith(prefix)) continue;
      const name = ref.slice(prefix.length).split("/")[0] as string;
      if (reached.has(name) || !(name in schemas)) continue;
      reached.add(name);
      pending.push(schemas[name]);
    }
  }
  for (const name of Object.keys(schemas)) if (!reached.has(name)) delete schemas[name];
}
