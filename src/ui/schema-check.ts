/**
 * What the form can tell before sending: the checks of a flat object schema that a
 * person filling fields gets wrong (required, type, enum, bounds). The server checks
 * the whole schema again; its refusal is shown as well.
 */

/** A JSON Schema, as far as the form reads one. */
export interface FieldSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  properties?: Record<string, FieldSchema>;
  required?: string[];
  additionalProperties?: boolean | FieldSchema;
}

/** The types a form field can hold; other properties are edited as JSON. */
const FIELD_TYPES = new Set(["string", "integer", "number", "boolean"]);

/** The form field kind of a property, or undefined when only raw JSON can express it. */
export function fieldKind(schema: FieldSchema): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type !== undefined && FIELD_TYPES.has(type)) return type;
  if (type === undefined && schema.enum) return "string";
  return undefined;
}

/** The properties a form shows for `schema`: an object's fields of simple types. */
export function formFields(schema: FieldSchema | undefined): Array<[string, FieldSchema]> {
  return Object.entries(schema?.properties ?? {}).filter(([, s]) => fieldKind(s) !== undefined);
}

/** What is wrong with one value for its schema, or undefined. */
function valueProblem(schema: FieldSchema, value: unknown): string | undefined {
  const kind = fieldKind(schema);
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    return `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  }
  if (kind === "integer" && !(typeof value === "number" && Number.isInteger(value))) {
    return "must be a whole number";
  }
  if (kind === "number" && !(typeof value === "number" && Number.isFinite(value))) {
    return "must be a number";
  }
  if (kind === "boolean" && typeof value !== "boolean") return "must be true or false";
  if (kind === "string" && typeof value !== "string") return "must be text";
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) {
      return `must be at least ${schema.minimum}`;
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      return `must be at most ${schema.maximum}`;
    }
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return `must be at least ${schema.minLength} characters`;
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      return `must be at most ${schema.maxLength} characters`;
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
      return `must match ${schema.pattern}`;
    }
  }
  return undefined;
}

/**
 * The problems of `value` against `schema`, by property name; `""` holds those of
 * the value as a whole (not an object, a property the schema does not allow).
 */
export function schemaProblems(
  schema: FieldSchema | undefined,
  value: unknown,
): Record<string, string> {
  const problems: Record<string, string> = {};
  if (schema?.type !== "object") return problems;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems[""] = "must be a JSON object";
    return problems;
  }
  const record = value as Record<string, unknown>;
  const properties = schema.properties ?? {};
  for (const name of schema.required ?? []) {
    if (record[name] === undefined) problems[name] = "is required";
  }
  for (const [name, item] of Object.entries(record)) {
    const propertySchema = properties[name];
    if (!propertySchema) {
      if (schema.additionalProperties === false) problems[""] = `"${name}" is not allowed`;
      continue;
    }
    const problem = valueProblem(propertySchema, item);
    if (problem) problems[name] = problem;
  }
  return problems;
}
