import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ACPDescriptorValidationException } from "../../src/core/errors.js";
import { jsonSchemaType } from "../../src/langgraph/json-schema-type.js";
import { describeIssues } from "../../src/langgraph/node-errors.js";

const schema = {
  $id: "https://example.com/mail.json",
  type: "object",
  properties: {
    to: { type: "string", format: "email" },
    lines: { type: "array", items: { type: "string" } },
  },
  required: ["to"],
};

describe("jsonSchemaType", () => {
  it("accepts what the schema accepts", () => {
    const type = jsonSchemaType(schema, "specs.input");
    expect(type.parse({ to: "a@example.com", lines: ["hi"] })).toEqual({
      to: "a@example.com",
      lines: ["hi"],
    });
  });

  it("reports each problem with the field it is about", () => {
    const type = jsonSchemaType(schema, "specs.input");
    const result = type.safeParse({ to: "not-an-email", lines: ["ok", 3] });
    expect(result.success).toBe(false);
    const text = describeIssues((result as { error: z.ZodError }).error);
    expect(text).toContain("to: must match format");
    expect(text).toContain("lines[1]: must be string");

    const missing = type.safeParse({});
    expect(describeIssues((missing as { error: z.ZodError }).error)).toBe("to: is required");
  });

  it("gives the schema back to z.toJSONSchema", () => {
    const out = z.toJSONSchema(jsonSchemaType(schema, "specs.input"));
    expect(out).toMatchObject({ properties: schema.properties, required: ["to"] });
  });

  it("compiles the same $id more than once", () => {
    expect(() => {
      jsonSchemaType(schema, "specs.input");
      jsonSchemaType(schema, "specs.input");
    }).not.toThrow();
  });

  it("accepts anything for an empty schema", () => {
    expect(jsonSchemaType({}, "specs.config").parse(42)).toBe(42);
  });

  it("names the schema that does not compile", () => {
    const bad = () =>
      jsonSchemaType({ type: "object", properties: { a: { $ref: "#/nowhere" } } }, "specs.output");
    expect(bad).toThrow(ACPDescriptorValidationException);
    expect(bad).toThrow(/specs\.output/);
  });
});
