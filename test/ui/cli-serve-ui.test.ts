/**
 * `acp serve --ui --cors-origin` from the built command: the playground is served
 * from the package's own build (its script found beside the built server) and lists
 * the module's agent in chromium; the origin given may call the API across origins.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot, requireBuiltCli, startAcp } from "../helpers/acp-process.js";
import { launchBrowser } from "../helpers/browser.js";

const PAGE_ORIGIN = "http://page.example";
let dir: string;
let modulePath: string;
let browser: Browser;
const children: ChildProcess[] = [];

beforeAll(async () => {
  requireBuiltCli();
  dir = mkdtempSync(join(projectRoot, ".tmp", "serve-ui-"));
  modulePath = join(dir, "agents.mjs");
  writeFileSync(
    modulePath,
    `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ text: Annotation() });
const graph = new StateGraph(State).addNode("n", () => ({})).addEdge(START, "n").addEdge("n", END).compile();
export const agents = [{ graph, descriptor: {
  metadata: { ref: { name: "served.playground", version: "1.0.0" }, description: "served by acp serve --ui" },
  specs: { capabilities: {}, input: { type: "object" }, output: { type: "object" }, config: { type: "object" } },
} }];
`,
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts `acp serve` with `flags`; resolves to what it printed once it printed `until`. */
function serve(flags: string[], until: RegExp): Promise<string> {
  const child = startAcp(["serve", modulePath, "--port", "0", ...flags]);
  children.push(child);
  child.stdin?.end();
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (c: Buffer) => {
      seen += c.toString("utf8");
      if (until.test(seen)) resolve(seen);
    });
    child.once("close", (code) => reject(new Error(`acp serve ended (${code}): ${seen}`)));
  });
}

describe("acp serve --ui --cors-origin", () => {
  it("serves the built playground and lets the named origin call the API", async () => {
    const printed = await serve(["--ui", "--cors-origin", PAGE_ORIGIN], /playground \S+\/ui\n/);
    const url = printed.match(/playground (\S+)\/ui\n/)?.[1] as string;
    const script = await fetch(`${url}/ui/playground.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect((await script.text()).length).toBeGreaterThan(1000);

    const page = await browser.newPage();
    await page.goto(`${url}/ui`);
    await page.getByRole("button", { name: "served.playground" }).click();
    await expect
      .poll(() => page.locator("#agent-description").textContent())
      .toBe("served by acp serve --ui");
    await page.close();

    const preflight = await fetch(`${url}/agents/search`, {
      method: "OPTIONS",
      headers: { origin: PAGE_ORIGIN, "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBe(PAGE_ORIGIN);
  });

  it("serves no page and no CORS without the flags", async () => {
    const printed = await serve([], /serving on \S+\n/);
    const url = printed.match(/serving on (\S+)\n/)?.[1] as string;
    expect(printed).not.toContain("playground");
    expect((await fetch(`${url}/ui`)).status).toBe(404);
    const preflight = await fetch(`${url}/agents/search`, {
      method: "OPTIONS",
      headers: { origin: PAGE_ORIGIN, "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
