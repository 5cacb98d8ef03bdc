import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { ACPDescriptorValidationException } from "../core/errors.js";
import { unprocessable } from "./http/http-error.js";

// ajv-formats is CommonJS; depending on the loader its function is the default or the module.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule })
  .default ?? addFormatsModule) as typeof addFormatsModule;

/**
 * Descriptors carry OpenAPI-flavoured JSON Schemas (`examples`, `nullable`, custom
 * formats such as `jsonpath`), so the validator is lenient about keywords it does not
 * know and strict about the data.
 */
let shared: Ajv2020 | undefined;

/** One validator for all descriptors: building one is slow, compiling with it is fast. */
function ajv(): Ajv2020 {
  if (!shared) {
    shared = new Ajv2020({ strict: false, allErrors: true, logger: false });
    addFormats(shared);
  }
  return shared;
}

/** Checks data against one JSON Schema of an agent descriptor. */
export interface SchemaCheck {
  /** Throws a 422 naming `where` and the failing field when `value` does not match. */
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
    const id = (schema as { $id?: unknown }).$id;
    // Two descriptors may reuse a schema $id; the newer schema replaces the older one.
    if (typeof id === "string" && ajv().getSchema(id)) ajv().removeSchema(id);
    validate = ajv().compile(schema);
  } catch (err) {
    throw new ACPDescriptorValidationException([
      { path: what, message: `the schema does not compile: ${String(err)}` },
    ]);
  }
  return {
    test: (value) => validate(value) === true,
    assert(value, where) {
      if (validate(value) !== true) {
        throw unprocessable(
          `${where} does not match the agent's ${what} schema: ${describe(validate.errors, where)}`,
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
      throw unprocessable(`${where} matches none of the agent's ${what} schemas`);
    },
  };
}

function describe(errors: ErrorObject[] | null | undefined, root: string): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => {
      const field = e.instancePath
        .split("/")
        .slice(1)
        .map((p) =>
          /^\d+$/.test(p) ? `[${p}]` : `.${p.replaceAll("~1", "/").replaceAll("~0", "~")}`,
        )
        .join("");
      const missing =
        e.keyword === "required"
          ? `.${(e.params as { missingProperty: string }).missingProperty}`
          : "";
      if (missing) return `${root}${field}${missing} is required`;
      return `${root}${field} ${e.message ?? "is invalid"}`;
    })
    .join("; ");
}
