/**
 * Checks that a schema embedded in a descriptor is a usable JSON Schema: that it
 * matches its meta-schema and that ajv can compile it (its `$ref`s resolve).
 */
import type { DescriptorProblem, PathToItem } from "../core/errors.js";
import {
  compileJsonSchema,
  type ErrorObject,
  errorPath,
  jsonSchemaValidator,
  knownDialect,
} from "../core/json-schema.js";
import { messageOf } from "../core/message-of.js";
import { problem } from "./problems.js";

function describeMetaError(e: ErrorObject): string {
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
  if (e.keyword === "enum" && allowed) {
    return `is not a valid JSON Schema value: must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return `is not a valid JSON Schema: ${e.message ?? e.keyword}`;
}

/**
 * The problems of the schema found at `path` in a document; empty when it is a
 * valid JSON Schema. Meta-schema errors are reported once per location.
 */
export function checkJsonSchema(schema: unknown, path: PathToItem): DescriptorProblem[] {
  if (typeof schema === "boolean") return [];
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    return [problem(path, "is not a JSON Schema: expected an object")];
  }
  const dialect = (schema as { $schema?: unknown }).$schema;
  const target: Record<string, unknown> = { ...schema };
  if (!knownDialect(dialect)) delete target.$schema;
  const ajv = jsonSchemaValidator(dialect);
  if (!ajv.validateSchema(target)) {
    const seen = new Set<string>();
    const out: DescriptorProblem[] = [];
    for (const e of ajv.errors ?? []) {
      if (seen.has(e.instancePath)) continue;
      seen.add(e.instancePath);
      out.push(problem([...path, ...errorPath(e)], describeMetaError(e)));
    }
    return out;
  }
  try {
    compileJsonSchema(target);
    return [];
  } catch (err) {
    const why = messageOf(err);
    return [problem(path, `is not a usable JSON Schema: ${why}`)];
  }
}
