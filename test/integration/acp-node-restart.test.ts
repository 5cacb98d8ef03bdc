import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient } from "../../src/client/acp-client.js";
import { type ACPNodeAgents, startACPNodeAgents } from "../helpers/acp-node-agents.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(here, "../..");
const child = join(here, "../helpers/children/acp-node-restart.ts");

let agents: ACPNodeAgents;
let client: ACPClient;
let dir: string;

beforeAll(async () => {
  agents = await startACPNodeAgents();
  client = new ACPClient({ configuration: { host: agents.url } });
  dir = mkdtempSync(join(tmpdir(), "acp-node-restart-"));
});

afterAll(async () => {
  await agents.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one parent process to its end and returns what the graph returned. */
async function parentProcess(db: string, answer?: unknown): Promise<Record<string, unknown>> {
  const args = ["--import", "tsx", child, agents.url, agents.ids.ask, db, "restart-thread"];
  if (answer !== undefined) args.push(JSON.stringify(answer));
  const { stdout } = await run(process.execPath, args, { cwd: projectRoot, timeout: 60_000 });
  return JSON.parse(stdout);
}

describe("ACPNode across parent restarts", () => {
  it("resumes the same remote run from a SQLite checkpoint in new processes", async () => {
    const db = join(dir, "parent.sqlite");
    const runsBefore = await client.searchStatelessRuns({ agent_id: agents.ids.ask, limit: 1000 });

    const first = await parentProcess(db);
    expect(first.__interrupt__).toEqual([
      expect.objectContaining({ value: { question: "Which restart?" } }),
    ]);

    const second = await parentProcess(db, { answer: "the second" });
    expect(second.__interrupt__).toEqual([
      expect.objectContaining({ value: { question: "Are you sure?" } }),
    ]);

    const done = await parentProcess(db, { answer: "quite" });
    expect(done.__interrupt__).toBeUndefined();
    expect(done.request).toEqual({
      input: { topic: "restart" },
      output: { topic: "restart", answers: ["the second", "quite"] },
    });

    const runsAfter = await client.searchStatelessRuns({ agent_id: agents.ids.ask, limit: 1000 });
    expect(runsAfter).toHaveLength(runsBefore.length + 1);
    expect(runsAfter.at(-1)?.status).toBe("success");
  });
});
