/**
 * The library's one JSON-Schema setup. Descriptors hold OpenAPI-flavoured schemas
 * (`example`, `discriminator`, formats such as `jsonpath`), so every validator is
 * lenient about keywords and formats it does not know and strict about the data.
 * The server, the LangGraph nodes, the I/O mapper and the manifest checks all
 * compile through here and name a failing field the same way.
 */
import Ajv07, { type ErrorObject, type Options, type ValidateFunction } from "ajv";
import Ajv2019 from "ajv/dist/2019.js";
import Ajv2020 from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { PathToItem } from "./errors.js";

export type { ErrorObject, ValidateFunction };

// ajv-formats is CommonJS; depending on the loader its function is the default or the module.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule })
  .default ?? addFormatsModule) as typeof addFormatsModule;

const options: Options = { strict: false, allErrors: true, logger: false };

/** An ajv of any of the dialects a descriptor may declare. */
export type JsonSchemaValidator = Ajv07 | Ajv2019 | Ajv2020;

/** One instance per dialect: building one compiles its meta-schemas, which is slow. */
const instances = new Map<string, JsonSchemaValidator>();

/**
 * The shared validator for a schema's `$schema`: draft-06/07, 2019-09, or 2020-12
 * (the default, also for a dialect it does not know).
 */
export function jsonSchemaValidator(dialect?: unknown): JsonSchemaValidator {
  const d = typeof dialect === "string" ? dialect : "";
  const key = /draft-0[67]/.test(d) ? "07" : d.includes("2019-09") ? "2019" : "2020";
  let ajv = instances.get(key);
  if (!ajv) {
    ajv =
      key === "07"
        ? new Ajv07(options)
        : key === "2019"
          ? new Ajv2019(options)
          : new Ajv2020(options);
    addFormats(ajv);
    instances.set(key, ajv);
  }
  return ajv;
}

/** True when `$schema` names a dialect the validators know, or names none. */
export function knownDialect(dialect: unknown): boolean {
  return typeof dialect !== "string" || /draft-0[67]|2019-09|2020-12/.test(dialect);
}

/**
 * Compiles `schema` with the validator of its dialect; throws what ajv throws when
 * it does not compile. The shared validator forgets the schema once it is compiled
 * (the function keeps working), so it holds no schema of a descriptor long gone and
 * two descriptors may reuse a schema `$id`.
 */
export function compileJsonSchema(schema: object): ValidateFunction {
  const { $schema } = schema as { $schema?: unknown };
  const target = knownDialect($schema) ? schema : withoutDialect(schema);
  const ajv = jsonSchemaValidator($schema);
  try {
    return ajv.compile(target);
  } finally {
    ajv.removeSchema(target);
  }
}

function withoutDialect(schema: object): object {
  const { $schema: _, ...rest } = schema as Record<string, unknown>;
  return rest;
}

/** A JSON pointer (`/a/0/b~1c`) as a path (`["a", 0, "b/c"]`). */
export function pointerPath(pointer: string): PathToItem {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/**
 * Where in the data an ajv error is: its `instancePath`, and for a missing
 * property the property itself, so "is required" names the field that is missing.
 */
export function errorPath(error: ErrorObject): PathToItem {
  const path = pointerPath(error.instancePath);
  if (error.keyword !== "required") return path;
  return [...path, (error.params as { missingProperty: string }).missingProperty];
}

/** What an ajv error says about the value at its {@link errorPath}. */
export function errorMessage(error: ErrorObject): string {
  return error.keyword === "required" ? "is required" : (error.message ?? "is invalid");
}
