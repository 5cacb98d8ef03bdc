import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { toWire } from "../../src/server/runs/wire.js";

/** What the wire form was defined as: the JSON text of the values, read back. */
const viaText = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? "null");

describe("toWire", () => {
  it("gives what JSON text would: toJSON applied, undefined and functions dropped, non-finite numbers null", () => {
    const at = new Date("2026-01-02T03:04:05.006Z");
    const value = {
      text: 'héllo \u2028 "quoted"',
      n: 1.5,
      big: 1e21,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      at,
      gone: undefined,
      fn: () => 1,
      list: [1, undefined, () => 2, Symbol("s"), null, { deep: [at] }],
      custom: { toJSON: (key: string) => ({ key }) },
      nested: { a: { b: { c: [true, false] } } },
    };
    const expected = viaText(value);
    expect(toWire(value)).toEqual(expected);
    expect(JSON.stringify(toWire(value))).toBe(JSON.stringify(expected));
    expect(toWire(undefined)).toBeNull();
    expect(toWire(() => 1)).toBeNull();
    expect(toWire("s")).toBe("s");
  });

  it("keeps a __proto__ key as a field, as JSON.parse does", () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as Record<string, unknown>;
    const wire = toWire(value) as Record<string, unknown>;
    expect(Object.keys(wire)).toEqual(["__proto__", "y"]);
    expect(Object.getPrototypeOf(wire)).toBe(Object.prototype);
  });

  it("shares no object with the values it was made from", () => {
    const inner = { list: [{ v: 1 }] };
    const value = { inner, messages: [new HumanMessage({ content: "hi", id: "m1" })] };
    const wire = toWire(value) as { inner: { list: Array<{ v: number }> } };
    wire.inner.list[0] = { v: 2 };
    (wire.inner as Record<string, unknown>).added = true;
    expect(inner).toEqual({ list: [{ v: 1 }] });
  });

  it("turns LangChain messages into ACP messages that keep their type, tool calls and ids", () => {
    const ai = new AIMessage({
      content: "calling",
      id: "a1",
      tool_calls: [{ id: "c1", name: "search", args: { q: "x" } }],
    });
    const [wire] = toWire([ai]) as Array<Record<string, unknown>>;
    expect(wire).toMatchObject({ role: "assistant", type: "ai", content: "calling", id: "a1" });
    expect(wire?.tool_calls).toEqual([
      expect.objectContaining({ id: "c1", name: "search", args: { q: "x" } }),
    ]);
  });

  it("leaves out a value met again inside itself instead of failing", () => {
    const looped: Record<string, unknown> = { a: 1 };
    looped.self = looped;
    expect(toWire(looped)).toEqual({ a: 1 });
  });

  it("throws as JSON text does for a bigint", () => {
    expect(() => toWire({ n: 1n })).toThrow(TypeError);
  });
});
