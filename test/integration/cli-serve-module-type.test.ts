/**
 * `acp serve` on a TypeScript module in a project whose package.json says
 * `"type": "commonjs"` (what `npm init -y` writes): Node reads the module as
 * CommonJS, which cannot require this ES module package in a cycle. The command
 * says in one line what to change, and the `.mts` it names serves.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acp, projectRoot, requireBuiltCli, startAcp } from "../helpers/acp-process.js";

const agentSource = `import { Annotation, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ name: Annotation<string>, greeting: Annotation<string> });
const graph = new StateGraph(State)
  .addNode("greet", (s: typeof State.State) => ({ greeting: "hello " + s.name }))
  .addEdge(START, "greet")
  .compile();
export const agents = [{ graph, descriptor: {
  metadata: { ref: { name: "cjs.greeter", version: "1.0.0" }, description: "greets" },
  specs: { capabilities: {}, input: { type: "object" }, output: { type: "object" }, config: { type: "object" } },
} }];
`;

let dir: string;

beforeAll(() => {
  requireBuiltCli();
  mkdirSync(join(projectRoot, ".tmp"), { recursive: true });
  dir = mkdtempSync(join(projectRoot, ".tmp", "cli-module-type-"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "new-project", version: "1.0.0", type: "commonjs" }),
  );
  writeFileSync(join(dir, "agent.ts"), agentSource);
  writeFileSync(join(dir, "agent.mts"), agentSource);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('acp serve in a "type": "commonjs" project', () => {
  it("says in one line what to change for a .ts module", async () => {
    const modulePath = join(dir, "agent.ts");
    const r = await acp(["serve", modulePath, "--port", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `acp: cannot load ${modulePath}: Node reads it as CommonJS (${join(dir, "package.json")} says "type": "commonjs"); rename it to .mts, or set "type": "module" in that package.json\n`,
    );
  });

  it("serves the same module as .mts", async () => {
    const child = startAcp(["serve", join(dir, "agent.mts"), "--port", "0"]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let seen = "";
        child.stdout?.on("data", (c: Buffer) => {
          seen += c.toString("utf8");
          const m = seen.match(/http:\/\/127\.0\.0\.1:\d+/);
          if (m) resolve(m[0]);
        });
        child.once("close", (code) => reject(new Error(`acp serve ended (${code}): ${seen}`)));
      });
      const r = await acp(["run", "cjs.greeter", "--input", '{"name":"Ada"}', "--url", url]);
      expect(JSON.parse(r.stdout)).toMatchObject({ greeting: "hello Ada" });
    } finally {
      child.kill("SIGKILL");
    }
  });
});
