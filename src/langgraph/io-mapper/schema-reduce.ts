import { splitStatePath } from "../state-paths.js";
import { IOMapperConfigError } from "./errors.js";
import { type NormalizedField, normalizeFields } from "./fields.js";
import { derefNode, inlineRefs, isSchemaObject } from "./schema-refs.js";
import type { FieldSpec, JsonSchema } from "./types.js";

/** `null`: the schema rules the segment out; otherwise the schema of the value there. */
export type SchemaStep = JsonSchema | null;

const STRUCTURAL = ["type", "properties", "items", "prefixItems", "additionalProperties"];

function typesOf(schema: JsonSchema): string[] | undefined {
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t) => typeof t === "string");
  return undefined;
}

function asSchema(value: unknown): SchemaStep {
  if (value === false) return null;
  if (value === true || value === undefined) return {};
  return isSchemaObject(value) ? value : {};
}

function directStep(node: JsonSchema, segment: string): SchemaStep {
  const properties = isSchemaObject(node.properties) ? node.properties : {};
  if (Object.hasOwn(properties, segment)) return asSchema(properties[segment]);
  const types = typesOf(node);
  const index = /^\d+$/.test(segment) ? Number(segment) : undefined;
  const arrayLike = types?.includes("array") || "items" in node || "prefixItems" in node;
  if (index !== undefined && arrayLike) {
    if (Array.isArray(node.prefixItems) && index < node.prefixItems.length) {
      return asSchema(node.prefixItems[index]);
    }
    if (Array.isArray(node.items)) {
      return index < node.items.length
        ? asSchema(node.items[index])
        : asSchema(node.additionalItems);
    }
    return asSchema(node.items);
  }
  if (isSchemaObject(node.patternProperties)) {
    for (const [pattern, sub] of Object.entries(node.patternProperties)) {
      if (new RegExp(pattern, "u").test(segment)) return asSchema(sub);
    }
  }
  if (types && !types.includes("object")) return null;
  return asSchema(node.additionalProperties);
}

/** The schema of the value one segment below `schema`, looking through `$ref`, `anyOf`, `allOf`. */
export function stepSchema(schema: unknown, segment: string, root: unknown): SchemaStep {
  const node = derefNode(schema, root);
  if (node === false) return null;
  if (!isSchemaObject(node)) return {};
  const parts: SchemaStep[] = [];
  if (STRUCTURAL.some((key) => key in node)) parts.push(directStep(node, segment));
  for (const key of ["anyOf", "oneOf"] as const) {
    const branches = node[key];
    if (!Array.isArray(branches)) continue;
    const possible = branches
      .map((branch) => stepSchema(branch, segment, root))
      .filter((s): s is JsonSchema => s !== null);
    if (possible.length === 0) parts.push(null);
    else if (possible.length === 1) parts.push(possible[0]!);
    else parts.push({ anyOf: possible });
  }
  if (Array.isArray(node.allOf)) {
    for (const branch of node.allOf) parts.push(stepSchema(branch, segment, root));
  }
  if (parts.some((part) => part === null)) return null;
  const constraining = parts.filter((part): part is JsonSchema => Object.keys(part!).length > 0);
  if (constraining.length === 0) return {};
  return constraining.length === 1 ? constraining[0]! : { allOf: constraining };
}

/**
 * The schema of the value at a dot path, with its references inlined; `null` when the
 * schema says no value can be there.
 */
export function schemaAtPath(schema: JsonSchema, path: string): SchemaStep {
  let current: SchemaStep = schema;
  for (const segment of splitStatePath(path)) {
    current = stepSchema(current, segment, schema);
    if (current === null) return null;
  }
  return inlineRefs(current, schema) as JsonSchema;
}

/** Wraps a schema so that it describes a state holding that value at `path`. */
export function nestSchemaAtPath(schema: JsonSchema, path: string): JsonSchema {
  let nested: JsonSchema = inlineRefs(schema, schema) as JsonSchema;
  for (const segment of splitStatePath(path).reverse()) {
    nested = { type: "object", properties: { [segment]: nested }, required: [segment] };
  }
  return nested;
}

interface PathTree {
  field?: NormalizedField;
  children: Map<string, PathTree>;
}

function buildTree(fields: readonly NormalizedField[]): PathTree {
  const root: PathTree = { children: new Map() };
  for (const field of fields) {
    let node = root;
    for (const segment of splitStatePath(field.path)) {
      if (node.field) break;
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    if (!node.field) {
      node.field = field;
      node.children.clear();
    }
  }
  return root;
}

/** Options of {@link reduceSchema}. */
export interface ReduceOptions {
  /** Mark every listed field (and its parents) required: what the output must contain. */
  requireFields: boolean;
  /** Names the field list in errors ("inputFields", "outputFields"). */
  listName: string;
}

function ownRequired(schema: unknown, root: JsonSchema): string[] {
  const node = derefNode(schema, root);
  if (!isSchemaObject(node) || !Array.isArray(node.required)) return [];
  return node.required.filter((name): name is string => typeof name === "string");
}

function reduceNode(
  tree: PathTree,
  schema: SchemaStep,
  root: JsonSchema,
  prefix: string[],
  options: ReduceOptions,
): JsonSchema {
  if (tree.field) {
    const where = prefix.join(".");
    if (schema === null) {
      throw new IOMapperConfigError(`${options.listName}: "${where}" is not allowed by the schema`);
    }
    const leaf = { ...(inlineRefs(schema, root) as JsonSchema) };
    if (tree.field.description !== undefined) leaf.description = tree.field.description;
    if (tree.field.examples !== undefined) leaf.examples = tree.field.examples;
    return leaf;
  }
  const entries = [...tree.children.entries()];
  const reducedChildren = entries.map(([segment, child]) => {
    const childSchema = schema === null ? null : stepSchema(schema, segment, root);
    if (childSchema === null) {
      throw new IOMapperConfigError(
        `${options.listName}: "${[...prefix, segment].join(".")}" is not allowed by the schema`,
      );
    }
    return [segment, reduceNode(child, childSchema, root, [...prefix, segment], options)] as const;
  });
  const described = isSchemaObject(schema) ? (derefNode(schema, root) as JsonSchema) : {};
  const labels: JsonSchema = {};
  if (typeof described.title === "string") labels.title = described.title;
  if (typeof described.description === "string") labels.description = described.description;
  if (entries.every(([segment]) => /^\d+$/.test(segment))) {
    const items = reducedChildren.map(([, sub]) => sub);
    const array: JsonSchema = {
      ...labels,
      type: "array",
      items: items.length === 1 ? items[0] : { anyOf: items },
    };
    if (options.requireFields) {
      array.minItems = Math.max(...entries.map(([segment]) => Number(segment))) + 1;
    }
    return array;
  }
  const names = reducedChildren.map(([segment]) => segment);
  const required = options.requireFields
    ? names
    : ownRequired(schema, root).filter((name) => names.includes(name));
  const reduced: JsonSchema = {
    ...labels,
    type: "object",
    properties: Object.fromEntries(reducedChildren),
  };
  if (required.length > 0) reduced.required = required;
  return reduced;
}

/**
 * Reduces a state schema to just the listed fields: an object schema with the same
 * nesting as the dot paths, each leaf the field's own schema with `$ref`s inlined and
 * `anyOf`/`allOf` looked through on the way down. Without a schema every leaf is `{}`.
 * A field the schema forbids is an {@link IOMapperConfigError}.
 */
export function reduceSchema(
  schema: JsonSchema | undefined,
  fields: readonly FieldSpec[],
  options: ReduceOptions,
): JsonSchema {
  const normalized = normalizeFields(fields, options.listName);
  return reduceNode(buildTree(normalized), schema ?? {}, schema ?? {}, [], options);
}
