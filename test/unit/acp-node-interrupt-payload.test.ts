/**
 * A remote interrupt's payload is read by the descriptor's interrupt types: the
 * spec's value as it is, or the reference server's `{ "<interrupt_type>": value }`.
 */
import { describe, expect, it } from "vitest";
import { InterruptPayloadReader } from "../../src/langgraph/interrupt-payload.js";
import type { AgentACPDescriptor } from "../../src/models/index.js";

function descriptorWith(interrupts: AgentACPDescriptor["specs"]["interrupts"]): AgentACPDescriptor {
  return {
    metadata: { ref: { name: "a", version: "1" }, description: "d" },
    specs: { capabilities: {}, input: {}, output: {}, config: {}, interrupts },
  };
}

const approval = {
  interrupt_type: "approval",
  interrupt_payload: {
    type: "object",
    properties: { question: { type: "string" } },
    required: ["question"],
  },
  resume_payload: {},
};
const anything = {
  interrupt_type: "note",
  interrupt_payload: { type: "object" },
  resume_payload: {},
};

describe("InterruptPayloadReader", () => {
  const strict = descriptorWith([approval]);

  it("unwraps the reference server's shape when only it fits a declared type", () => {
    const reader = new InterruptPayloadReader(strict);
    expect(reader.payloadOf({ approval: { question: "ok?" } })).toEqual({ question: "ok?" });
  });

  it("keeps the spec's shape, also a value that looks wrapped but fits as it is", () => {
    const reader = new InterruptPayloadReader(strict);
    expect(reader.payloadOf({ question: "ok?" })).toEqual({ question: "ok?" });
    const both = { approval: { question: "inner" }, question: "outer" };
    expect(reader.payloadOf(both)).toBe(both);
  });

  it("keeps a value under a key that is no declared type, or that does not fit its type", () => {
    const reader = new InterruptPayloadReader(strict);
    expect(reader.payloadOf({ other: { question: "ok?" } })).toEqual({
      other: { question: "ok?" },
    });
    expect(reader.payloadOf({ approval: { asked: 1 } })).toEqual({ approval: { asked: 1 } });
    expect(reader.payloadOf("plain")).toBe("plain");
  });

  it("decides an ambiguous value by the shape it is told: the spec's unless 'reference'", () => {
    const loose = descriptorWith([anything]);
    const value = { note: { text: "hi" } };
    expect(new InterruptPayloadReader(loose).payloadOf(value)).toBe(value);
    expect(new InterruptPayloadReader(loose, "reference").payloadOf(value)).toEqual({ text: "hi" });
    expect(
      new InterruptPayloadReader(strict, "spec").payloadOf({ approval: { question: "q" } }),
    ).toEqual({ approval: { question: "q" } });
  });

  it("takes every value as it is when the descriptor declares no interrupts", () => {
    const reader = new InterruptPayloadReader(descriptorWith(undefined), "reference");
    expect(reader.payloadOf({ approval: { question: "q" } })).toEqual({
      approval: { question: "q" },
    });
  });
});
