import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  IOMapperConfigError,
  type JsonSchema,
  nestSchemaAtPath,
  reduceSchema,
  schemaAtPath,
} from "../../src/langgraph/io-mapper/index.js";
import { samplesDir } from "../helpers/spec.js";

function manifest(
  name: string,
): Record<string, JsonSchema> & { specs: Record<string, JsonSchema> } {
  return JSON.parse(readFileSync(resolve(samplesDir, "manifests", name), "utf8"));
}

const writer = manifest("agent_mailwriter.json");
const reviewer = manifest("agent_mailreviewer.json");
const composerAcp = (
  manifest("manifest_ok_mailcomposer.json") as unknown as {
    extensions: Array<{ data: { acp: Record<string, JsonSchema> } }>;
  }
).extensions[0]!.data.acp;

const asInput = { requireFields: false, listName: "inputFields" };
const asOutput = { requireFields: true, listName: "outputFields" };

describe("reduceSchema on the mail writer -> mail reviewer manifests", () => {
  const writerState = nestSchemaAtPath(writer.specs.output!, "mailwriter.output");
  const reviewerState = nestSchemaAtPath(reviewer.specs.input!, "reviewer.input");

  it("keeps only the listed writer output field, nested as in the state", () => {
    const reduced = reduceSchema(writerState, ["mailwriter.output.messages"], asInput);
    const output = (reduced.properties as JsonSchema).mailwriter as JsonSchema;
    const fields = ((output.properties as JsonSchema).output as JsonSchema)
      .properties as JsonSchema;
    expect(Object.keys(fields)).toEqual(["messages"]);
    expect(fields.messages).toEqual((writer.specs.output!.properties as JsonSchema).messages);
    expect(JSON.stringify(reduced)).not.toContain("is_completed");
  });

  it("reaches into array items by index and keeps the item's enum", () => {
    expect(schemaAtPath(writer.specs.output!, "messages.0.type")).toEqual({
      type: "string",
      enum: ["human", "assistant"],
    });
    const reduced = reduceSchema(
      writerState,
      ["mailwriter.output.messages.0.final_email"],
      asOutput,
    );
    const messages = (
      ((reduced.properties as JsonSchema).mailwriter as JsonSchema).properties as JsonSchema
    ).output as JsonSchema;
    expect((messages.properties as JsonSchema).messages).toEqual({
      type: "array",
      items: {
        type: "object",
        properties: { final_email: { type: "string" } },
        required: ["final_email"],
      },
      minItems: 1,
    });
  });

  it("requires every output field and its parents, and only them", () => {
    const reduced = reduceSchema(reviewerState, ["reviewer.input.email"], asOutput);
    expect(reduced).toEqual({
      type: "object",
      properties: {
        reviewer: {
          type: "object",
          properties: {
            input: {
              type: "object",
              properties: { email: { type: "string" } },
              required: ["email"],
            },
          },
          required: ["input"],
        },
      },
      required: ["reviewer"],
    });
  });

  it("keeps the source schema's own required list for inputs", () => {
    const reduced = reduceSchema(
      reviewer.specs.input,
      ["audience", { jsonPath: "$.email", description: "the draft", examples: ["Hi"] }],
      asInput,
    );
    expect(reduced.required).toEqual(["email", "audience"]);
    expect((reduced.properties as JsonSchema).email).toEqual({
      type: "string",
      description: "the draft",
      examples: ["Hi"],
    });
  });

  it("lets a listed parent cover a listed child", () => {
    const reduced = reduceSchema(
      reviewerState,
      ["reviewer.input", "reviewer.input.email"],
      asOutput,
    );
    const input = ((reduced.properties as JsonSchema).reviewer as JsonSchema)
      .properties as JsonSchema;
    expect(input.input).toEqual(reviewer.specs.input);
  });
});

describe("reduceSchema on the pydantic-style mail composer manifest ($defs, anyOf)", () => {
  it("resolves $ref and looks through anyOf with null on the way down", () => {
    expect(schemaAtPath(composerAcp.output!, "messages.3.type")).toEqual({
      enum: ["human", "assistant", "ai"],
      title: "Type",
      type: "string",
      description: "indicates the originator of the message, a human or an assistant",
    });
    expect(schemaAtPath(composerAcp.output!, "final_email")).toMatchObject({
      anyOf: [{ type: "string" }, { type: "null" }],
    });
  });

  it("inlines every $ref and drops $defs in the reduced schema", () => {
    const state = nestSchemaAtPath(composerAcp.output!, "mailcomposer.output");
    const reduced = reduceSchema(state, ["mailcomposer.output.messages"], asInput);
    const text = JSON.stringify(reduced);
    expect(text).not.toContain("$ref");
    expect(text).not.toContain("$defs");
    expect(text).toContain('"enum":["human","assistant","ai"]');
    expect(text).toContain("the content of the message");
  });

  it("gives the title and description of a parent to its reduced copy", () => {
    const state = nestSchemaAtPath(composerAcp.output!, "mailcomposer.output");
    const reduced = reduceSchema(state, ["mailcomposer.output.final_email"], asInput);
    const output = (
      ((reduced.properties as JsonSchema).mailcomposer as JsonSchema).properties as JsonSchema
    ).output as JsonSchema;
    expect(output.title).toBe("OutputState");
  });
});

describe("reduceSchema edge cases", () => {
  it("leaves fields unconstrained when there is no schema", () => {
    expect(reduceSchema(undefined, ["a.b", "a.c"], asOutput)).toEqual({
      type: "object",
      properties: {
        a: { type: "object", properties: { b: {}, c: {} }, required: ["b", "c"] },
      },
      required: ["a"],
    });
  });

  it("leaves a field the schema does not mention unconstrained when extra properties are allowed", () => {
    const reduced = reduceSchema(reviewer.specs.input, ["notes"], asInput);
    expect(reduced).toEqual({ type: "object", properties: { notes: {} } });
  });

  it("rejects a field the schema forbids, naming it", () => {
    const closed = {
      type: "object",
      properties: { a: { type: "string" } },
      additionalProperties: false,
    };
    expect(() => reduceSchema(closed, ["b"], asOutput)).toThrow(IOMapperConfigError);
    expect(() => reduceSchema(closed, ["a.x"], asOutput)).toThrow(
      /outputFields: "a\.x" is not allowed/,
    );
  });

  it("survives recursive references", () => {
    const tree: JsonSchema = {
      $defs: {
        Node: {
          type: "object",
          properties: {
            name: { type: "string" },
            children: { type: "array", items: { $ref: "#/$defs/Node" } },
          },
        },
      },
      $ref: "#/$defs/Node",
    };
    expect(schemaAtPath(tree, "children.0.children.1.name")).toEqual({ type: "string" });
    const reduced = JSON.stringify(reduceSchema(tree, ["children"], asInput));
    expect(reduced).toContain("recursive reference to #/$defs/Node");
  });

  it("combines allOf branches and resolves draft-07 definitions", () => {
    const schema: JsonSchema = {
      definitions: {
        Named: { type: "object", properties: { name: { type: "string", minLength: 1 } } },
      },
      allOf: [
        { $ref: "#/definitions/Named" },
        { type: "object", properties: { age: { type: "integer" } } },
      ],
    };
    expect(schemaAtPath(schema, "name")).toEqual({ type: "string", minLength: 1 });
    expect(schemaAtPath(schema, "age")).toEqual({ type: "integer" });
  });

  it("rejects malformed field lists", () => {
    expect(() => reduceSchema({}, [], asInput)).toThrow(/inputFields must list at least one field/);
    expect(() => reduceSchema({}, ["$.a[*].b"], asInput)).toThrow(/selects several values/);
    expect(() => reduceSchema({}, ["a..b"], asInput)).toThrow(/empty segment/);
  });

  it("accepts JSONPath-style fields", () => {
    const reduced = reduceSchema(writer.specs.output, ["$.messages[0]['type']"], asOutput);
    expect(JSON.stringify(reduced)).toContain('"enum":["human","assistant"]');
  });
});
