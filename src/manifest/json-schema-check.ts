/**
 * Checks that a schema embedded in a descriptor is a usable JSON Schema: that it
 * matches its meta-schema and that ajv can compile it (its `$ref`s resolve).
 */
import type { ErrorObject, Options } from "ajv";
import Ajv07 from "ajv";
import Ajv2019 from "ajv/dist/2019.js";
import Ajv2020 from "ajv/dist/2020.js";
import type { DescriptorProblem, PathToItem } from "../core/errors.js";
import { problem } from "./problems.js";

/**
 * Unknown keywords and formats are allowed: descriptors hold OpenAPI schema
 * objects, which add keywords (`example`, `discriminator`, ...) and formats of
 * their own (`jsonpath`).
 */
const ajvOptions: Options = { strict: false, logger: false, allErrors: true };

type AnyAjv = Ajv07 | Ajv2019 | Ajv2020;

/** One instance per dialect: building one compiles its meta-schemas, which is slow. */
const instances = new Map<string, AnyAjv>();

function ajvFor(dialect: unknown): AnyAjv {
  const d = typeof dialect === "string" ? dialect : "";
  const key = /draft-0[67]/.test(d) ? "07" : d.includes("2019-09") ? "2019" : "2020";
  let ajv = instances.get(key);
  if (!ajv) {
    ajv =
      key === "07"
        ? new Ajv07(ajvOptions)
        : key === "2019"
          ? new Ajv2019(ajvOptions)
          : new Ajv2020(ajvOptions);
    instances.set(key, ajv);
  }
  return ajv;
}

function pointerToPath(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

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
  const known = typeof dialect !== "string" || /draft-0[67]|2019-09|2020-12/.test(dialect);
  const target: Record<string, unknown> = { ...schema };
  if (!known) delete target.$schema;
  const ajv = ajvFor(dialect);
  if (!ajv.validateSchema(target)) {
    const seen = new Set<string>();
    const out: DescriptorProblem[] = [];
    for (const e of ajv.errors ?? []) {
      if (seen.has(e.instancePath)) continue;
      seen.add(e.instancePath);
      out.push(problem([...path, ...pointerToPath(e.instancePath)], describeMetaError(e)));
    }
    return out;
  }
  try {
    ajv.compile(target);
    return [];
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return [problem(path, `is not a usable JSON Schema: ${why}`)];
  } finally {
    // Forget it, so that the next schema may reuse its $id.
    ajv.removeSchema(target);
  }
}
