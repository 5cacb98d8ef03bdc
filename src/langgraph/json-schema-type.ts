/**
 * Turns an agent descriptor's JSON Schema into a zod type: ajv does the checking (it
 * knows the whole of JSON Schema), zod carries the result, so a node built from a
 * descriptor validates like one given hand-written zod types, and `z.toJSONSchema`
 * of the type still gives the descriptor's schema back.
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { z } from "zod";
import { ACPDescriptorValidationException } from "../core/errors.js";

// ajv-formats is CommonJS; depending on the loader its function is the default or the module.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule })
  .default ?? addFormatsModule) as typeof addFormatsModule;

// Descriptors hold OpenAPI-flavoured schemas (`examples`, custom formats such as
// `jsonpath`), so unknown keywords are allowed while the data is checked strictly.
// One instance per schema: two descriptors may reuse an `$id`, which one ajv refuses.
function ajv(): Ajv2020 {
  const instance = new Ajv2020({ strict: false, allErrors: true, logger: false });
  addFormats(instance);
  return instance;
}

function pathOf(error: ErrorObject): Array<string | number> {
  const path: Array<string | number> = error.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (error.keyword === "required") {
    path.push((error.params as { missingProperty: string }).missingProperty);
  }
  return path;
}

/**
 * A zod type that accepts what `schema` accepts. `where` names the schema in the error
 * thrown when it does not compile (e.g. `specs.input`). An empty schema accepts anything.
 */
export function jsonSchemaType(schema: Record<string, unknown>, where: string): z.ZodType<unknown> {
  let validate: ValidateFunction;
  try {
    validate = ajv().compile(schema);
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
        const message =
          error.keyword === "required" ? "is required" : (error.message ?? "is invalid");
        ctx.addIssue({ code: "custom", message, path: pathOf(error) });
      }
    })
    .meta(schema);
}
