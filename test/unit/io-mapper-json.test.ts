import { describe, expect, it } from "vitest";
import { extractJson, renderPrompt } from "../../src/langgraph/io-mapper/index.js";
import { messageText } from "../../src/langgraph/io-mapper/json-extract.js";
import { promptVariables, retryPrompt } from "../../src/langgraph/io-mapper/prompts.js";

describe("extractJson", () => {
  it("parses a reply that is JSON", () => {
    expect(extractJson(' {"a": 1} \n')).toEqual({ a: 1 });
    expect(extractJson("[1, 2]")).toEqual([1, 2]);
  });

  it("takes a ```json block out of prose, before other blocks", () => {
    const reply =
      'Here you go:\n```text\n{"wrong": true}\n```\nand\n```json\n{"email": "Hi"}\n```\nDone.';
    expect(extractJson(reply)).toEqual({ email: "Hi" });
  });

  it("takes an unlabelled fenced block", () => {
    expect(extractJson('```\n{"x": [1, {"y": "}"}]}\n```')).toEqual({ x: [1, { y: "}" }] });
  });

  it("finds a balanced object in prose, braces inside strings included", () => {
    expect(extractJson('Sure! {"a": "b } {", "c": {"d": [1]}} hope that helps')).toEqual({
      a: "b } {",
      c: { d: [1] },
    });
  });

  it("skips a broken candidate and finds the next", () => {
    expect(extractJson('{not json} then {"ok": true}')).toEqual({ ok: true });
  });

  it("returns undefined when there is no JSON", () => {
    expect(extractJson("I cannot help with that.")).toBeUndefined();
    expect(extractJson("```json\n{broken\n```")).toBeUndefined();
    expect(extractJson("")).toBeUndefined();
  });
});

describe("messageText", () => {
  it("joins text parts of a content list", () => {
    expect(messageText([{ type: "text", text: "a" }, "b", { type: "image_url" }])).toBe("ab");
    expect(messageText(undefined)).toBe("");
  });
});

describe("prompts", () => {
  it("fills the known placeholders and leaves other braces alone", () => {
    const variables = promptVariables({ s: 1 }, { t: 2 }, { d: "$&" }, "  ");
    const text = renderPrompt(
      "{input_schema}|{output_schema}|{input_data}|{output_description}|{x}",
      variables,
    );
    expect(text).toBe(
      `${JSON.stringify({ s: 1 }, null, 2)}|${JSON.stringify({ t: 2 }, null, 2)}|${JSON.stringify({ d: "$&" }, null, 2)}|Fill every output field with the input data that means the same thing.|{x}`,
    );
  });

  it("does not expand placeholders that appear inside the data", () => {
    const variables = promptVariables(
      {},
      { secret: "schema" },
      { note: "{output_schema}" },
      "do it",
    );
    expect(renderPrompt("{input_data}", variables)).toContain('"note": "{output_schema}"');
  });

  it("asks again with what was wrong", () => {
    expect(retryPrompt("/email must be string")).toContain("/email must be string");
  });
});
