/**
 * Turns an agent descriptor's JSON Schema into a zod type: ajv does the checking (it
 * knows the whole of JSON Schema), zod carries the result, so a node built from a
 * descriptor validates like one given hand-written zod types, and `z.toJSONSchema`
 * of the type still gives the descriptor's schema back.
 */
import { z } from "zod";
import { ACPDescriptorValidationException } from "../core/errors.js";
import {
  compileJsonSchema,
  errorMessage,
  errorPath,
  type ValidateFunction,
} from "../core/json-schema.js";

/**
 * A zod type that accepts what `schema` accepts. `where` names the schema in the error
 * thrown when it does not compile (e.g. `specs.input`). An empty schema accepts anything.
 */
export function jsonSchemaType(schema: Record<string, unknown>, where: string): z.ZodType<unknown> {
  let validate: ValidateFunction;
  try {
    validate = compileJsonSchema(schema);
  } catch (err) {
    throw new ACPDescriptorValidationException([
      { path: where, message: `the schema does not compile: ${(err as Error).message}` },
    ]);
  }
  return z
    .unknown()
    .superRefine((value, ctx) => {
      if (validate(value) === true) return;
      for (const error of validate.errors ?? []) {
        ctx.addIssue({ code: "custom", message: errorMessage(error), path: [...errorPath(error)] });
      }
    })
    .meta(schema);
}
