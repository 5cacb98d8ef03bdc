import { ACPDescriptorValidationException, renderPath } from "../core/errors.js";
import {
  compileJsonSchema,
  type ErrorObject,
  errorMessage,
  errorPath,
  type ValidateFunction,
} from "../core/json-schema.js";
import { InvalidRequestError } from "./errors.js";

/** Checks data against one JSON Schema of an agent descriptor. */
export interface SchemaCheck {
  /** Throws an `InvalidRequestError` naming `where` and the failing field when `value` does not match. */
  assert(value: unknown, where: string): void;
  /** True when `value` matches. */
  test(value: unknown): boolean;
}

const acceptAll: SchemaCheck = { assert: () => undefined, test: () => true };

/**
 * Compiles a descriptor schema. An empty or missing schema accepts anything, as the
 * spec reads a missing schema as "not constrained".
 */
export function compileSchema(schema: unknown, what: string): SchemaCheck {
  if (typeof schema !== "object" || schema === null || Object.keys(schema).length === 0) {
    return acceptAll;
  }
  let validate: ValidateFunction;
  try {
    validate = compileJsonSchema(schema);
  } catch (err) {
    throw new ACPDescriptorValidationException([
      { path: what, message: `the schema does not compile: ${String(err)}` },
    ]);
  }
  return {
    test: (value) => validate(value) === true,
    assert(value, where) {
      if (validate(value) !== true) {
        throw new InvalidRequestError(
          `${where} does not match the agent's ${what} schema: ${describe(validate.errors, where)}`,
          firstPath(validate.errors, where),
        );
      }
    },
  };
}

/** Checks data against any of several schemas (the resume payloads of all interrupt kinds). */
export function anyOfSchemas(checks: readonly SchemaCheck[], what: string): SchemaCheck {
  if (checks.length === 0) return acceptAll;
  return {
    test: (value) => checks.some((c) => c.test(value)),
    assert(value, where) {
      if (checks.some((c) => c.test(value))) return;
      if (checks.length === 1) (checks[0] as SchemaCheck).assert(value, where);
      throw new InvalidRequestError(`${where} matches none of the agent's ${what} schemas`, where);
    },
  };
}

/** The path of the first problem, from `root`. */
function firstPath(errors: ErrorObject[] | null | undefined, root: string): string {
  const first = errors?.[0];
  return first ? renderPath([root, ...errorPath(first)]) : root;
}

function describe(errors: ErrorObject[] | null | undefined, root: string): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${renderPath([root, ...errorPath(e)])} ${errorMessage(e)}`)
    .join("; ");
}
