import { compileJsonSchema, type ValidateFunction } from "../../core/json-schema.js";
import { IOMapperConfigError, type SchemaViolation } from "./errors.js";
import type { JsonSchema } from "./types.js";

const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = compileJsonSchema(schema);
    } catch (error) {
      throw new IOMapperConfigError(
        `a reduced schema cannot be compiled: ${(error as Error).message}`,
        { cause: error },
      );
    }
    compiled.set(key, validate);
  }
  return validate;
}

/** Every way `value` breaks `schema`; empty when it follows it. */
export function schemaViolations(schema: JsonSchema, value: unknown): SchemaViolation[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => ({
    instancePath: error.instancePath,
    message: error.message ?? error.keyword,
  }));
}
