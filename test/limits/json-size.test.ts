import { describe, expect, it } from "vitest";
import { LimitExceededError } from "../../src/server/errors.js";
import { checkJsonLimits, DEFAULT_JSON_LIMITS } from "../../src/server/json-limits.js";

/** The byte count checkJsonLimits reports for `value`, read off a limit one byte too small. */
function reportedBytes(value: unknown): number {
  const exact = Buffer.byteLength(JSON.stringify(value));
  // At its exact size it passes...
  checkJsonLimits({ input: value }, { ...DEFAULT_JSON_LIMITS, maxFieldBytes: exact });
  // ...and one byte less is refused, naming the size.
  try {
    checkJsonLimits({ input: value }, { ...DEFAULT_JSON_LIMITS, maxFieldBytes: exact - 1 });
  } catch (err) {
    expect(err).toBeInstanceOf(LimitExceededError);
    const found = /(\d+) bytes of JSON/.exec((err as Error).message);
    return Number(found?.[1]);
  }
  throw new Error("a limit one byte below the size was not refused");
}

const values: Array<[string, unknown]> = [
  ["a plain object", { text: "hello", n: 3, ok: true, no: false, none: null }],
  ["empty containers", { a: {}, b: [], c: [[], [{}]] }],
  ["numbers JSON writes longer or shorter", [1e21, 1e-7, -0, 0.1, 123456789.125, -5]],
  ["strings that need escapes", ['quote " and \\ backslash', "line\nbreak\ttab", "\u0001\u001f"]],
  ["text beyond ASCII", { clé: "héllo", emoji: "😀", cjk: "漢字", del: "\u007f" }],
  ["a lone surrogate", ["\ud800", "a\udc00b"]],
  ["deep nesting", { a: [{ b: [{ c: [1, 2, { d: "x" }] }] }] }],
  ["a __proto__ key", JSON.parse('{"__proto__": {"x": [1]}, "y": "z"}')],
];

describe("checkJsonLimits counts the bytes of a field's JSON text without making it", () => {
  it.each(values)("%s", (_name, value) => {
    expect(reportedBytes(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
  });

  it("counts values JSON text writes in its own way (toJSON, undefined) as JSON.stringify does", () => {
    const value = { at: new Date(0), list: [undefined, 1], gone: undefined };
    expect(reportedBytes(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
  });

  it("still names the first path nested too deep", () => {
    const deep = { a: [{ b: { c: 1 } }] };
    expect(() => checkJsonLimits({ input: deep }, { ...DEFAULT_JSON_LIMITS, maxDepth: 2 })).toThrow(
      /input\.a\[0\]: nested deeper than the server allows \(maxDepth 2\)/,
    );
  });
});
