/**
 * `acp serve --sqlite FILE` on a file damaged inside, holding runs left executing:
 * one line that names the file and says what to do, and exit code 1, within the
 * time a start takes; never serving, never a driver's bare message.
 */
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finished, requireBuiltCli, startAcp } from "../helpers/acp-process.js";
import { damage, damagedFiles } from "../helpers/damaged-sqlite.js";

const files = damagedFiles();
const children: ChildProcess[] = [];
beforeAll(() => {
  requireBuiltCli();
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

const agentsModule = `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ text: Annotation() });
const graph = new StateGraph(State).addNode("n", () => ({})).addEdge(START, "n").addEdge("n", END).compile();
export const agents = [{ graph, descriptor: {
  metadata: { ref: { name: "served.damaged", version: "1.0.0" }, description: "nothing" },
  specs: { capabilities: {}, input: { type: "object" }, output: { type: "object" }, config: { type: "object" } },
} }];
`;

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("acp serve --sqlite with a damaged file", () => {
  it("prints one line naming the file and what to do, and exits 1", async () => {
    const file = await files.withRuns();
    damage(file, "acp_runs");
    const modulePath = join(files.dir, "agents.mjs");
    writeFileSync(modulePath, agentsModule);
    // Started, not run to its end: a server that came up anyway is stopped after the test.
    const child = startAcp(["serve", modulePath, "--port", "0", "--sqlite", file]);
    children.push(child);
    const result = finished(child);
    child.stdin?.end();
    const { code, stdout, stderr } = await result;
    expect(code).toBe(1);
    expect(stdout).not.toContain("serving");
    expect(stderr).toMatch(
      new RegExp(
        `^acp: sqlite\\.open: the SQLite file ${escaped(file)} is damaged \\(.+\\): restore it from a backup[^\\n]*\\n$`,
      ),
    );
  });
});
