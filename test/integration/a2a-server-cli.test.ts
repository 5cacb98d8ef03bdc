/**
 * `acp serve` serves its agents over A2A too: it prints each agent's A2A base URL
 * (with its trailing slash), `--public-url` is what the cards name, and `--no-a2a`
 * serves ACP only.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TaskState } from "@a2a-js/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  a2aClient,
  asTask,
  data,
  outputData,
  request,
  userMessage,
} from "../helpers/a2a-server-agents.js";
import { projectRoot, requireBuiltCli, startAcp } from "../helpers/acp-process.js";

let dir: string;
let modulePath: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(projectRoot, ".tmp", "a2a-server-cli-"));
  modulePath = join(dir, "agents.mjs");
  writeFileSync(
    modulePath,
    `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ name: Annotation(), greeting: Annotation() });
const graph = new StateGraph(State)
  .addNode("greet", (s) => ({ greeting: "hello " + s.name }))
  .addEdge(START, "greet").addEdge("greet", END).compile();
export const agents = [{ agentId: "greeter", graph, descriptor: {
  metadata: { ref: { name: "served.greeter", version: "1.0.0" }, description: "greets" },
  specs: { capabilities: {}, input: { type: "object" }, output: { type: "object" }, config: { type: "object" } },
} }];
`,
  );
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts `acp serve` and resolves with what it printed once it printed `pattern`. */
function serve(args: string[], pattern: RegExp): Promise<string> {
  const child = startAcp(["serve", modulePath, "--port", "0", ...args]);
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (c: Buffer) => {
      seen += c.toString("utf8");
      if (pattern.test(seen)) resolve(seen);
    });
    child.once("close", (code) => reject(new Error(`acp serve ended (${code}) before: ${seen}`)));
  });
}

describe("acp serve and A2A", () => {
  it("prints each agent's A2A base URL, where the SDK's client finds the agent", async () => {
    const shown = await serve([], /agent id greeter\n {4}A2A \S+\n/);
    const url = shown.match(/serving on (\S+)/)?.[1] as string;
    expect(shown).toContain(`    A2A ${url}/a2a/greeter/\n`);
    const client = await a2aClient(url, "greeter");
    const task = asTask(await client.sendMessage(request(userMessage([data({ name: "Ada" })]))));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(outputData(task)).toEqual({ name: "Ada", greeting: "hello Ada" });
  });

  it("writes --public-url into the cards, and serves no A2A with --no-a2a", async () => {
    const proxied = await serve(
      ["--public-url", "https://agents.example.com/acp"],
      /agent id greeter\n {4}A2A \S+\n/,
    );
    expect(proxied).toContain("    A2A https://agents.example.com/acp/a2a/greeter/\n");
    const url = proxied.match(/serving on (\S+)/)?.[1] as string;
    const card = (await (await fetch(`${url}/.well-known/agent-card.json`)).json()) as {
      supportedInterfaces: Array<{ url: string }>;
    };
    expect(card.supportedInterfaces[0]?.url).toBe("https://agents.example.com/acp/a2a/greeter/");

    const off = await serve(["--no-a2a"], /agent id greeter\n/);
    expect(off).not.toContain("A2A");
    const offUrl = off.match(/serving on (\S+)/)?.[1] as string;
    expect((await fetch(`${offUrl}/.well-known/agent-card.json`)).status).toBe(404);
    expect((await fetch(`${offUrl}/a2a/greeter/.well-known/agent-card.json`)).status).toBe(404);
  });
});
