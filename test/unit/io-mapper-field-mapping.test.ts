import { describe, expect, it } from "vitest";
import {
  applyFieldMapping,
  checkFieldMapping,
  FieldMappingFailure,
} from "../../src/langgraph/io-mapper/field-mapping.js";
import { evaluateJsonPath, IOMapperConfigError } from "../../src/langgraph/io-mapper/index.js";

const input = {
  composer: {
    output: {
      messages: [
        { type: "human", content: "write" },
        { type: "assistant", content: "Dear all" },
      ],
    },
  },
};

describe("evaluateJsonPath", () => {
  it("gives one match as a value and several as a list", () => {
    expect(evaluateJsonPath("$.composer.output.messages[-1:].content", input)).toBe("Dear all");
    expect(evaluateJsonPath("$.composer.output.messages[*].type", input)).toEqual([
      "human",
      "assistant",
    ]);
    expect(evaluateJsonPath("$.composer.output.messages", input)).toHaveLength(2);
  });

  it("gives undefined for no match", () => {
    expect(evaluateJsonPath("$.composer.missing", input)).toBeUndefined();
  });

  it("wraps a single match when the target wants an array", () => {
    const one = { items: [{ name: "a" }] };
    expect(evaluateJsonPath("$.items[*].name", one, { type: "array" })).toEqual(["a"]);
    expect(
      evaluateJsonPath("$.items[*].name", one, { anyOf: [{ type: "array" }, { type: "null" }] }),
    ).toEqual(["a"]);
    expect(evaluateJsonPath("$.items[*].name", one, { type: ["string", "array"] })).toBe("a");
  });

  it("filters with safe script evaluation", () => {
    expect(
      evaluateJsonPath("$.composer.output.messages[?(@.type === 'assistant')].content", input),
    ).toBe("Dear all");
  });
});

describe("applyFieldMapping", () => {
  it("builds the output from JSONPaths, functions and constants", () => {
    const output = applyFieldMapping(
      {
        "reviewer.input.email": "$.composer.output.messages[-1:].content",
        "reviewer.input.audience": { value: "general" },
        "reviewer.input.count": (data, state) =>
          (data.composer as typeof input.composer).output.messages.length + (state.extra as number),
        "reviewer.input.missing": "$.nothing",
      },
      input,
      { extra: 10 },
      {},
    );
    expect(output).toEqual({
      output: { reviewer: { input: { email: "Dear all", audience: "general", count: 12 } } },
      unmatched: ["reviewer.input.missing"],
    });
  });

  it("names the output path when a rule throws", () => {
    const broken = () =>
      applyFieldMapping(
        {
          "a.b": () => {
            throw new Error("boom");
          },
        },
        input,
        {},
        {},
      );
    expect(broken).toThrow(FieldMappingFailure);
    expect(broken).toThrow(/mapping for "a\.b" failed: boom/);
  });

  it("names the output path of a rule that is none of the three kinds", () => {
    const bad = () => applyFieldMapping({ "a.c": 42 as never }, input, {}, {});
    expect(bad).toThrow(FieldMappingFailure);
    expect(bad).toThrow(
      'mapping for "a.c" failed: a rule must be a JSONPath string, a function or { value }',
    );
  });
});

describe("checkFieldMapping", () => {
  it("accepts keys at or under an output field", () => {
    expect(() =>
      checkFieldMapping(
        { "r.input": "$.a", "r.input.x": { value: 1 }, "r.input.y": () => 1 },
        ["r.input"],
        "fieldMapping",
      ),
    ).not.toThrow();
  });

  it("rejects keys outside the output fields and unusable rules", () => {
    expect(() => checkFieldMapping({ "r.inputs": "$.a" }, ["r.input"], "fieldMapping")).toThrow(
      /"r\.inputs" is not one of the output fields/,
    );
    expect(() => checkFieldMapping({ "r.input": "a.b" }, ["r.input"], "fieldMapping")).toThrow(
      /must be a JSONPath starting with "\$"/,
    );
    expect(() => checkFieldMapping({ "r.input": 3 }, ["r.input"], "fieldMapping")).toThrow(
      IOMapperConfigError,
    );
    expect(() => checkFieldMapping(null, ["r.input"], "fieldMapping")).toThrow(/must be an object/);
  });
});
