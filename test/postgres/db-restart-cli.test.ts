/**
 * `acp serve` on PostgreSQL, as a process, lives through a restart of its database
 * (`pg_ctl restart -m fast`) while it executes runs: no connection error of its pools
 * or of its own replica connection goes unhandled (which would end the process), and
 * the runs it acknowledged end once the database is back.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { deriveAgentId } from "../../src/server/index.js";
import { startAcp } from "../helpers/acp-process.js";
import {
  postgresBinaries,
  startTestCluster,
  type TestCluster,
} from "../helpers/postgres-cluster.js";
import { raw } from "../helpers/server.js";

const AGENT = deriveAgentId("replica.steps", "1.0.0");
const AGENTS = "test/helpers/replica-agents.ts";
/** How many runs execute across the restart. */
const RUNS = 6;
/** How long a client asks again after a 503 at most. */
const ASK_AGAIN_MS = 60_000;

describe.skipIf(postgresBinaries === undefined)("acp serve while its database restarts", () => {
  let cluster: TestCluster;
  let child: ChildProcess;
  let url: string;
  let exited: number | null | undefined;
  let stderr = "";

  beforeAll(async () => {
    cluster = await startTestCluster();
    child = startAcp(["serve", AGENTS, "--port", "0"], { env: { DATABASE_URL: cluster.url } });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.once("exit", (code) => {
      exited = code;
    });
    url = await new Promise<string>((done, fail) => {
      let text = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        text += chunk.toString("utf8");
        const found = text.match(/serving on (\S+)/)?.[1];
        if (found && text.includes("in PostgreSQL")) done(found);
      });
      child.once("exit", (code) => fail(new Error(`acp serve exited with ${code}: ${stderr}`)));
    });
  });
  afterAll(async () => {
    if (child && exited === undefined) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await gone;
    }
    await cluster?.remove();
  });

  it("stays up, answers no 500, and ends the runs it acknowledged", async () => {
    const runs: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const created = await raw(url, "POST", "/runs", {
        agent_id: AGENT,
        input: { token: randomUUID(), steps: 20, ms: 50 },
      });
      expect(created.status, created.text).toBe(200);
      runs.push((created.body as { run_id: string }).run_id);
    }
    await cluster.restart();
    expect(exited, stderr).toBeUndefined();

    for (const runId of runs) {
      const status = await vi.waitUntil(
        async () => {
          const answer = await raw(url, "GET", `/runs/${runId}/wait`);
          expect([200, 503], answer.text).toContain(answer.status);
          if (answer.status !== 200) return undefined;
          const ended = (answer.body as { run: { status: string } }).run.status;
          return ended === "pending" ? undefined : ended;
        },
        { timeout: ASK_AGAIN_MS, interval: 50 },
      );
      expect(status).toBe("success");
    }
    expect(exited, stderr).toBeUndefined();
  }, 120_000);
});
