import { z } from "zod";
import { nestSchemaAtPath } from "./schema-reduce.js";
import { isSchemaObject } from "./schema-refs.js";
import type { IOMappableNode, JsonSchema } from "./types.js";

/** True for a graph node that carries the paths and types the mapper can default from. */
export function isIOMappableNode(value: unknown): value is IOMappableNode {
  if (typeof value !== "object" || value === null) return false;
  const node = value as Partial<IOMappableNode>;
  return (
    typeof node.getName === "function" &&
    typeof node.inputPath === "string" &&
    typeof node.outputPath === "string"
  );
}

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description"]);

/**
 * The zod type's JSON Schema, unless it says nothing: a node without a type holds
 * `z.unknown()`, and its descriptor then knows more.
 */
function fromZod(type: z.ZodType | undefined, io: "input" | "output"): JsonSchema | undefined {
  if (!type) return undefined;
  try {
    const schema = z.toJSONSchema(type, { io, unrepresentable: "any" }) as JsonSchema;
    return Object.keys(schema).some((key) => !ANNOTATIONS.has(key)) ? schema : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The JSON Schema of the state around a node's output (`side: "output"`, what it writes
 * at `outputPath`) or input (`side: "input"`, what it reads at `inputPath`), from its zod
 * type or else its ACP descriptor; `undefined` when it has neither.
 */
export function nodeStateSchema(
  node: IOMappableNode,
  side: "input" | "output",
): JsonSchema | undefined {
  const type = side === "input" ? node.inputType : node.outputType;
  const specs = node.descriptor?.specs as Record<string, unknown> | undefined;
  const fromDescriptor = specs?.[side];
  const schema =
    fromZod(type, side) ?? (isSchemaObject(fromDescriptor) ? fromDescriptor : undefined);
  if (!schema) return undefined;
  return nestSchemaAtPath(schema, side === "input" ? node.inputPath : node.outputPath);
}
