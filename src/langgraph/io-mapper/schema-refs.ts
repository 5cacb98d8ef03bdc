import type { JsonSchema } from "./types.js";

const SCHEMA_VALUED = [
  "items",
  "additionalProperties",
  "additionalItems",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "propertyNames",
  "unevaluatedItems",
  "unevaluatedProperties",
];
const SCHEMA_LIST_VALUED = ["anyOf", "oneOf", "allOf", "prefixItems"];
const SCHEMA_MAP_VALUED = ["properties", "patternProperties", "dependentSchemas"];
/** Keywords that only make sense at a document root; inlined pieces drop them. */
const DOCUMENT_ONLY = new Set(["$schema", "$id", "$defs", "definitions"]);

/** True for a JSON Schema given as an object (not `true`/`false`). */
export function isSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function decodePointerSegment(segment: string): string {
  return decodeURIComponent(segment).replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Follows a local `$ref` (`#/$defs/X`, `#/definitions/X`, any JSON pointer) in `root`. */
export function lookupRef(root: unknown, ref: string): unknown {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let current: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const segment = decodePointerSegment(raw);
    if (!isSchemaObject(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
    if (current === undefined) return undefined;
  }
  return current;
}

/**
 * Replaces a node's `$ref` with what it points to (its sibling keywords kept), repeatedly,
 * so the result has no `$ref` at its top. A cycle or an unresolvable reference becomes an
 * unconstrained schema whose description says why.
 */
export function derefNode(schema: unknown, root: unknown, seen: readonly string[] = []): unknown {
  let current = schema;
  const chain = [...seen];
  while (isSchemaObject(current) && typeof current.$ref === "string") {
    const ref = current.$ref;
    const { $ref: _dropped, ...siblings } = current;
    if (chain.includes(ref)) return { ...siblings, description: `recursive reference to ${ref}` };
    const target = lookupRef(root, ref);
    if (target === undefined) return { ...siblings, description: `unresolved reference ${ref}` };
    chain.push(ref);
    current = isSchemaObject(target) ? { ...target, ...siblings } : target;
  }
  return current;
}

/**
 * A copy of `schema` with every local `$ref` inlined against `root`, and the
 * document-level keywords (`$schema`, `$id`, `$defs`, `definitions`) removed, so the
 * piece stands alone.
 */
export function inlineRefs(schema: unknown, root: unknown, seen: readonly string[] = []): unknown {
  let chain = seen;
  let node = schema;
  while (isSchemaObject(node) && typeof node.$ref === "string") {
    const ref = node.$ref;
    if (chain.includes(ref)) break;
    node = derefNode(node, root, chain);
    chain = [...chain, ref];
  }
  if (!isSchemaObject(node)) return node;
  if (typeof node.$ref === "string") {
    const { $ref, ...siblings } = node;
    return { ...siblings, description: `recursive reference to ${$ref}` };
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DOCUMENT_ONLY.has(key)) continue;
    if (SCHEMA_VALUED.includes(key)) {
      out[key] = Array.isArray(value)
        ? value.map((item) => inlineRefs(item, root, chain))
        : inlineRefs(value, root, chain);
    } else if (SCHEMA_LIST_VALUED.includes(key) && Array.isArray(value)) {
      out[key] = value.map((item) => inlineRefs(item, root, chain));
    } else if (SCHEMA_MAP_VALUED.includes(key) && isSchemaObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, inlineRefs(sub, root, chain)]),
      );
    } else {
      out[key] = value;
    }
  }
  return out;
}
