/**
 * `acp serve` with `ACP_API_KEY` set but empty: a slip, not a wish to serve
 * without a key, so the command stops instead of opening the server.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acp, projectRoot } from "../helpers/acp-process.js";

describe("acp serve with an empty key", () => {
  const dir = mkdtempSync(join(projectRoot, ".tmp", "hardening-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["ACP_API_KEY", [], { ACP_API_KEY: "" }, "ACP_API_KEY is set but empty"],
    ["--api-key", ["--api-key", " "], {}, "--api-key is empty"],
  ])("in %s stops the command instead of serving without a key", async (_, args, env, says) => {
    const modulePath = join(dir, "agents.mjs");
    writeFileSync(
      modulePath,
      `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ name: Annotation() });
const graph = new StateGraph(State).addNode("n", () => ({})).addEdge(START, "n").addEdge("n", END).compile();
export const agents = [{ graph, descriptor: {
  metadata: { ref: { name: "served.empty-key", version: "1.0.0" }, description: "nothing" },
  specs: { capabilities: {}, input: { type: "object" }, output: { type: "object" }, config: { type: "object" } },
} }];
`,
    );
    const result = await acp(["serve", modulePath, "--port", "0", ...args], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(says);
    expect(result.stdout).not.toContain("serving");
  });
});
