import { describe, expect, it } from "vitest";
import { runExample } from "../helpers/run-example.js";

/** The lines printed under `--- mode: <mode> ---`. */
function modeBlock(stdout: string, mode: string): string {
  const start = stdout.indexOf(`--- mode: ${mode} ---`);
  const next = stdout.indexOf("--- mode:", start + 1);
  return start < 0 ? "" : stdout.slice(start, next < 0 ? undefined : next);
}

describe("example: io-mapper", () => {
  it("maps between the two schemas in every mode, at the LLM cost of each", async () => {
    const { code, stdout, stderr } = await runExample("io-mapper/main.ts");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toContain("the scripted offline model");
    const costs = { llm: 2, imperative: 0, compiled: 1 };
    for (const [mode, calls] of Object.entries(costs)) {
      const block = modeBlock(stdout, mode);
      expect(block, mode).toContain(
        "Hi Ada Lovelace (ada@analytical.example), welcome from all of us to everyone at Analytical Engines! Let's talk mathematics and automation.",
      );
      expect(block, mode).toContain("Hi Grace Hopper (grace@compilers.example)");
      expect(block, mode).toContain(`cost: ${calls} LLM call(s) for 2 runs`);
    }
    expect(modeBlock(stdout, "compiled")).toContain(
      '"writer.input.topics":"$.finder.output.interests"',
    );
  });
});
