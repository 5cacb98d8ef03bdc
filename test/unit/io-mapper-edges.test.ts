import { Annotation, END, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  addIoMappedConditionalEdge,
  addIoMappedEdge,
  type IOMappableNode,
  IOMapperConfigError,
  isIOMappableNode,
  type JsonSchema,
  nodeStateSchema,
} from "../../src/langgraph/index.js";
import type { AgentACPDescriptor } from "../../src/models/index.js";

const State = Annotation.Root({ a_state: Annotation<unknown>, b_state: Annotation<unknown> });

function builder() {
  return new StateGraph(State).addNode("a", () => ({})).addNode("b", () => ({}));
}

const descriptor = {
  metadata: { ref: { name: "b", version: "1" } },
  specs: {
    capabilities: {},
    input: { type: "object", properties: { email: { type: "string" } }, required: ["email"] },
    output: { type: "object", properties: { ok: { type: "boolean" } } },
    config: {},
  },
} as unknown as AgentACPDescriptor;

const a: IOMappableNode = {
  getName: () => "a",
  inputPath: "a_state.input",
  outputPath: "a_state.output",
  outputType: z.object({ text: z.string() }),
};
const b: IOMappableNode = {
  getName: () => "b",
  inputPath: "b_state.input",
  outputPath: "b_state.output",
  descriptor,
};

describe("node defaults", () => {
  it("recognises node objects by shape", () => {
    expect(isIOMappableNode(a)).toBe(true);
    expect(isIOMappableNode("a")).toBe(false);
    expect(isIOMappableNode({ getName: () => "x", inputPath: "i" })).toBe(false);
  });

  it("takes the schema from the zod type, nested at the node's path", () => {
    const schema = nodeStateSchema(a, "output") as JsonSchema;
    const output = (
      ((schema.properties as JsonSchema).a_state as JsonSchema).properties as JsonSchema
    ).output as JsonSchema;
    expect(output.properties).toEqual({ text: { type: "string" } });
    expect(nodeStateSchema(a, "input")).toBeUndefined();
  });

  it("takes the schema from the ACP descriptor when there is no telling zod type", () => {
    const schema = nodeStateSchema(b, "input") as JsonSchema;
    expect(((schema.properties as JsonSchema).b_state as JsonSchema).properties).toEqual({
      input: descriptor.specs.input,
    });
    const untyped = { ...b, inputType: z.unknown() };
    expect(nodeStateSchema(untyped, "input")).toEqual(schema);
  });

  it("fills fields and schemas from both ends", () => {
    const mapper = addIoMappedEdge(builder(), a, b, { mode: "compiled" });
    expect(mapper.name).toBe("a_b");
    expect(mapper.mode).toBe("compiled");
    expect(mapper.metadata.inputFields).toEqual(["a_state.output"]);
    expect(mapper.metadata.outputFields).toEqual(["b_state.input"]);
    expect(JSON.stringify(mapper.reducedOutputSchema)).toContain('"required":["email"]');
    expect(JSON.stringify(mapper.reducedInputSchema)).toContain('"text"');
  });

  it("keeps fields and schemas the caller gave", () => {
    const outputSchema = { type: "object", properties: { b_state: { type: "object" } } };
    const mapper = addIoMappedEdge(builder(), a, b, {
      outputFields: ["b_state.input.email"],
      outputSchema,
    });
    expect(mapper.metadata.outputSchema).toBe(outputSchema);
    expect(mapper.metadata.outputFields).toEqual(["b_state.input.email"]);
  });
});

describe("edge errors", () => {
  it("needs the field lists when the ends are plain names", () => {
    expect(() => addIoMappedEdge(builder(), "a", b, {})).toThrow(
      'I/O mapper configuration of "a_b": inputFields is required when start is not a node object',
    );
    expect(() => addIoMappedEdge(builder(), a, "b", {})).toThrow(
      /"a_b": outputFields is required when end is not a node object/,
    );
    expect(() => addIoMappedEdge(builder(), {} as never, b, {})).toThrow(
      /start must be a node name or a node with getName\(\)/,
    );
  });

  it("names the mapper when its metadata is wrong", () => {
    const closed = { type: "object", properties: {}, additionalProperties: false };
    expect(() => addIoMappedEdge(builder(), a, b, { outputSchema: closed })).toThrow(
      /configuration of "a_b": outputFields: "b_state" is not allowed by the schema/,
    );
  });

  it("rejects a conditional edge without usable targets", () => {
    expect(() => addIoMappedConditionalEdge(builder(), a, () => "x", {})).toThrow(
      /the conditional edge from "a" has no targets/,
    );
    expect(() => addIoMappedConditionalEdge(builder(), a, () => "x", { x: "b" as never })).toThrow(
      /target "x" must be \{ end, metadata \}/,
    );
  });

  it("adds no node for a plain target", () => {
    const graph = builder();
    const mappers = addIoMappedConditionalEdge(graph, a, () => "done", {
      done: { end: END, metadata: null },
      go: { end: b, metadata: {} },
    });
    expect(Object.keys(mappers)).toEqual(["b"]);
    expect(Object.keys(graph.nodes).sort()).toEqual(["a", "a_b", "b"]);
  });
});

it("raises typed errors", () => {
  expect(() => addIoMappedEdge(builder(), "a", "b", {})).toThrow(IOMapperConfigError);
});
