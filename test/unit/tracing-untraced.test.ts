import { describe, expect, it } from "vitest";
import { tracingReady } from "../../src/core/tracing.js";
import { requestUntraced } from "../../src/core/tracing-server.js";

describe("requestUntraced", () => {
  it("is true once OpenTelemetry is loaded with no SDK and the caller sent no LangSmith trace", async () => {
    await tracingReady();
    const asked: string[] = [];
    const untraced = requestUntraced((name) => {
      asked.push(name);
      return undefined;
    });
    expect(untraced).toBe(true);
    expect(asked).toEqual(["langsmith-trace"]);
  });

  it("is false when the caller continues a LangSmith trace", async () => {
    await tracingReady();
    const headers: Record<string, string> = { "langsmith-trace": "20260101T000000000000Z.id" };
    expect(requestUntraced((name) => headers[name])).toBe(false);
  });
});
