import { describe, expect, it } from "vitest";
import { z } from "zod";
import { specSchemas } from "../../src/models/index.js";
import { type Json, loadSpec } from "../helpers/spec.js";

/** Flattens `allOf` and `$ref` into one object view: its properties and required names. */
function flatten(schema: Json, all: Json): { properties: Json; required: string[] } {
  if (schema.$ref) return flatten(all[schema.$ref.split("/").pop()], all);
  const out = {
    properties: { ...(schema.properties ?? {}) },
    required: [...(schema.required ?? [])],
  };
  for (const part of schema.allOf ?? []) {
    const f = flatten(part, all);
    Object.assign(out.properties, f.properties);
    out.required.push(...f.required);
  }
  return out;
}

/** The enum a property allows, following `$ref`s, or undefined. */
function enumOf(schema: Json, all: Json): unknown[] | undefined {
  if (!schema) return undefined;
  if (schema.$ref) return enumOf(all[schema.$ref.split("/").pop()], all);
  return schema.enum ?? (schema.const !== undefined ? [schema.const] : undefined);
}

describe("the zod models against the specification's schemas", () => {
  const all = loadSpec().components.schemas;

  it("covers every schema of the specification, and no other", () => {
    expect(Object.keys(all)).toHaveLength(42);
    expect(Object.keys(specSchemas).sort()).toEqual(Object.keys(all).sort());
  });

  it.each(Object.keys(all))(
    "%s has the specification's fields, required fields and enums",
    (name) => {
      const specSchema = all[name];
      const ours: Json = z.toJSONSchema(specSchemas[name as keyof typeof specSchemas], {
        unrepresentable: "any",
      });
      if (specSchema.enum) {
        expect(ours.enum).toEqual(specSchema.enum);
        return;
      }
      if (specSchema.oneOf) {
        // JSON's integers are numbers: one `number` variant stands for both.
        const types = (variants: Json[]) =>
          [...new Set(variants.map((v) => (v.type === "integer" ? "number" : v.type)))].sort();
        const variants: Json[] = ours.oneOf ?? ours.anyOf;
        if (specSchema.discriminator) {
          expect(variants).toHaveLength(specSchema.oneOf.length);
        } else {
          expect(types(variants)).toEqual(types(specSchema.oneOf));
        }
        return;
      }
      if (specSchema.type === "string") {
        expect(ours.type).toBe("string");
        return;
      }
      const spec = flatten(specSchema, all);
      expect(Object.keys(ours.properties ?? {}).sort()).toEqual(
        Object.keys(spec.properties).sort(),
      );
      expect([...(ours.required ?? [])].sort()).toEqual([...new Set(spec.required)].sort());
      for (const [prop, propSchema] of Object.entries<Json>(spec.properties)) {
        const expected = enumOf(propSchema, all);
        if (expected) expect(enumOf(ours.properties[prop], {})).toEqual(expected);
      }
    },
  );

  it("keeps unknown fields from a server and rejects a missing required field", () => {
    const agent = {
      agent_id: "a",
      metadata: { ref: { name: "n", version: "1" }, description: "d" },
      extra: 1,
    };
    expect(specSchemas.Agent.parse(agent)).toEqual(agent);
    const r = specSchemas.Agent.safeParse({ metadata: agent.metadata });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["agent_id"]);
  });

  it("tells run outputs apart by their type", () => {
    const out = specSchemas.RunOutput.parse({ type: "interrupt", interrupt: { q: 1 } });
    expect(out.type).toBe("interrupt");
    expect(specSchemas.RunOutput.safeParse({ type: "nope" }).success).toBe(false);
  });
});
