/**
 * `acp serve` with the listener's time limits as flags: they reach the server (a
 * client that trickles its headers is answered 408 and cut after
 * --headers-timeout; an idle connection is closed after --keep-alive-timeout),
 * and a value that is not a whole number of ms is refused in one line.
 */

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { acp, projectRoot, requireBuiltCli, startAcp } from "../helpers/acp-process.js";
import { openRawSocket } from "../helpers/raw-socket.js";

let dir: string;
let modulePath: string;
const children: ChildProcess[] = [];
beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(projectRoot, ".tmp", "serve-timeouts-"));
  modulePath = join(dir, "agents.mjs");
  writeFileSync(
    modulePath,
    `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ text: Annotation() });
const graph = new StateGraph(State).addNode("n", () => ({})).addEdge(START, "n").addEdge("n", END).compile();
export const agents = [{ graph, descriptor: {
  metadata: { ref: { name: "served.timeouts", version: "1.0.0" }, description: "nothing" },
  specs: { capabilities: {}, input: { type: "object" }, output: { type: "object" }, config: { type: "object" } },
} }];
`,
  );
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts `acp serve` with `flags` and resolves to the port it serves on. */
function serve(flags: string[]): Promise<number> {
  const child = startAcp(["serve", modulePath, "--port", "0", ...flags]);
  children.push(child);
  child.stdin?.end();
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (c: Buffer) => {
      seen += c.toString("utf8");
      const port = seen.match(/serving on http:\/\/127\.0\.0\.1:(\d+)/)?.[1];
      if (port) resolve(Number(port));
    });
    child.once("close", (code) => reject(new Error(`acp serve ended (${code}) before serving`)));
  });
}

const openSocket = openRawSocket;

describe("acp serve's connection time limits", () => {
  it("applies --headers-timeout and --keep-alive-timeout", async () => {
    const port = await serve(["--headers-timeout", "300", "--keep-alive-timeout", "200"]);
    const slow = await openSocket(port);
    slow.socket.write("POST /agents/search HTTP/1.1\r\nHost: x\r\n");
    let n = 0;
    const trickle = setInterval(() => {
      if (!slow.state.closed) slow.socket.write(`x-slow-${n++}: y\r\n`);
    }, 50);
    try {
      // Node's own limits would hold it for a minute or more.
      await vi.waitUntil(() => slow.state.closed, { timeout: 10_000, interval: 20 });
    } finally {
      clearInterval(trickle);
    }
    expect(slow.state.received).toMatch(/^HTTP\/1\.1 408/);

    const idle = await openSocket(port);
    idle.socket.write(
      "POST /agents/search HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
    );
    await vi.waitUntil(() => idle.state.received.includes("served.timeouts"), { timeout: 10_000 });
    // Node's default keeps an idle connection 5 s.
    await vi.waitUntil(() => idle.state.closed, { timeout: 3_000, interval: 20 });
    idle.socket.destroy();
    slow.socket.destroy();
  });

  it("refuses a time limit that is not a whole number of ms", async () => {
    const r = await acp(["serve", modulePath, "--port", "0", "--request-timeout", "soon"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'acp: --request-timeout must be a whole number from 0 to 2147483647, got "soon"\n',
    );
  });
});
