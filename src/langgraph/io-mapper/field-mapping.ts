import { JSONPath } from "jsonpath-plus";
import { OpenApiException } from "../../core/errors.js";
import { messageOf } from "../../core/message-of.js";
import { type StateRecord, setStatePath } from "../state-paths.js";
import { IOMapperConfigError } from "./errors.js";
import { isAtOrUnder } from "./fields.js";
import { schemaAtPath } from "./schema-reduce.js";
import { isSchemaObject } from "./schema-refs.js";
import type { FieldMappingRule, JsonSchema } from "./types.js";

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function acceptedTypes(schema: unknown): Set<string> | undefined {
  if (!isSchemaObject(schema)) return undefined;
  const types = new Set<string>();
  if (typeof schema.type === "string") types.add(schema.type);
  if (Array.isArray(schema.type)) for (const t of schema.type) types.add(String(t));
  for (const key of ["anyOf", "oneOf"] as const) {
    const branches = schema[key];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      const inner = acceptedTypes(branch);
      if (!inner) return undefined;
      for (const t of inner) types.add(t);
    }
  }
  if (types.has("number")) types.add("integer");
  return types.size > 0 ? types : undefined;
}

/**
 * Evaluates a JSONPath against the input data: no match gives `undefined`, one match its
 * value, several a list. When the target schema wants an array and the one match is not
 * one, it is wrapped, so `$.items[*].name` over a single item still yields a list.
 */
export function evaluateJsonPath(path: string, data: unknown, target?: JsonSchema): unknown {
  const matches = JSONPath({
    path,
    json: data as object,
    wrap: true,
    eval: "safe",
  }) as unknown[] | undefined;
  if (!Array.isArray(matches) || matches.length === 0) return undefined;
  if (matches.length > 1) return matches;
  const [only] = matches;
  const types = acceptedTypes(target);
  if (types?.has("array") && !types.has(jsonType(only))) return [only];
  return only;
}

/** Why applying a mapping failed: which output path and what went wrong. */
export class FieldMappingFailure extends OpenApiException {
  constructor(
    readonly outputPath: string,
    reason: string,
  ) {
    super(`mapping for "${outputPath}" failed: ${reason}`);
    this.name = "FieldMappingFailure";
  }
}

/** A rule that gives a fixed value: `{ value }`. */
function isValueRule(rule: unknown): rule is { value: unknown } {
  return isSchemaObject(rule) && "value" in rule;
}

/** What a mapping produced, and which output paths got no value. */
export interface MappingResult {
  /** The output as a nested object keyed like the state. */
  output: StateRecord;
  /** Output paths whose rule yielded `undefined` (a JSONPath that matched nothing). */
  unmatched: string[];
}

/**
 * Runs every rule of a mapping and assembles the output. A rule that yields `undefined`
 * leaves its path unset and is listed in `unmatched`. Throws {@link FieldMappingFailure}
 * when a rule itself breaks.
 */
export function applyFieldMapping(
  mapping: Record<string, FieldMappingRule>,
  input: StateRecord,
  state: StateRecord,
  outputSchema: JsonSchema,
): MappingResult {
  let output: StateRecord = {};
  const unmatched: string[] = [];
  for (const [outputPath, rule] of Object.entries(mapping)) {
    if (typeof rule !== "function" && typeof rule !== "string" && !isValueRule(rule)) {
      throw new FieldMappingFailure(
        outputPath,
        "a rule must be a JSONPath string, a function or { value }",
      );
    }
    let value: unknown;
    try {
      if (typeof rule === "function") value = rule(input, state);
      else if (typeof rule === "string") {
        value = evaluateJsonPath(rule, input, schemaAtPath(outputSchema, outputPath) ?? undefined);
      } else value = rule.value;
    } catch (error) {
      throw new FieldMappingFailure(outputPath, messageOf(error));
    }
    if (value === undefined) unmatched.push(outputPath);
    else output = { ...output, ...setStatePath(output, outputPath, value) };
  }
  return { output, unmatched };
}

/** Checks a mapping's shape before use: every key under an output field, every rule usable. */
export function checkFieldMapping(
  mapping: unknown,
  outputPaths: readonly string[],
  source: string,
): asserts mapping is Record<string, FieldMappingRule> {
  if (!isSchemaObject(mapping)) {
    throw new IOMapperConfigError(`${source} must be an object of output path -> rule`);
  }
  for (const [key, rule] of Object.entries(mapping)) {
    if (!outputPaths.some((path) => isAtOrUnder(key, path))) {
      throw new IOMapperConfigError(
        `${source}: "${key}" is not one of the output fields (${outputPaths.join(", ")}) nor under one`,
      );
    }
    const usable =
      typeof rule === "function" ||
      (typeof rule === "string" && rule.trim().startsWith("$")) ||
      (isSchemaObject(rule) && "value" in rule);
    if (!usable) {
      throw new IOMapperConfigError(
        `${source}: the rule for "${key}" must be a JSONPath starting with "$", a function or { value }`,
      );
    }
  }
}
