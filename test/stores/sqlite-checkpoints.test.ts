/**
 * The SQLite store's checkpoints: made by a worker thread of the store's own soon after
 * a write (the file then holds every page of the database), or by the store's
 * connection once the log passes 1,000 pages, as SQLite does by default; taken back by
 * the connection when the worker's fail.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";
import { ACPClient, ApiClientConfiguration } from "../../src/index.js";
import { sqliteStore } from "../../src/server/index.js";
import { agentIds, memoryLogger, startACPServer } from "../helpers/server.js";
import { openRawDatabase } from "../helpers/sqlite-driver.js";
import { storedRun } from "../helpers/store-suite.js";

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "acp-checkpoints-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether the file itself holds every page of the database, none left only in its log. */
function checkpointed(file: string): boolean {
  const raw = openRawDatabase(file);
  try {
    const { page_count } = raw.prepare("PRAGMA page_count").get() as { page_count: number };
    const { page_size } = raw.prepare("PRAGMA page_size").get() as { page_size: number };
    return statSync(file).size === page_count * page_size;
  } finally {
    raw.close();
  }
}

/** Serves the store, answers `runs` echo runs over HTTP; the runs' outputs. */
async function serveRuns(store: ReturnType<typeof sqliteStore>, runs: number) {
  const running = await startACPServer({ store });
  const client = new ACPClient({
    configuration: new ApiClientConfiguration({ host: running.url }),
  });
  const outputs: unknown[] = [];
  for (let i = 0; i < runs; i += 1) {
    const output = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: `run ${i}` },
    });
    outputs.push(output.output);
  }
  return {
    outputs,
    async stop() {
      await client.close();
      await running.close();
    },
  };
}

describe("the SQLite store's checkpoints", () => {
  it("are made by a worker thread soon after runs over HTTP, and the log is gone once the server stops", async () => {
    const file = join(dir, "worker.sqlite");
    const served = await serveRuns(sqliteStore(file, { checkpointIntervalMs: 20 }), 5);
    try {
      expect(served.outputs).toHaveLength(5);
      await vi.waitUntil(() => checkpointed(file), { timeout: 5000, interval: 10 });
    } finally {
      await served.stop();
    }
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = sqliteStore(file);
    try {
      const runs = await reopened.runs.search({ threadId: null, limit: 10, offset: 0 });
      expect(runs.map((r) => r.status)).toEqual(Array(5).fill("success"));
    } finally {
      await reopened.close();
    }
  });

  it('are left to the store\'s connection with checkpoints: "connection", which waits for 1,000 pages of log', async () => {
    const file = join(dir, "connection.sqlite");
    const served = await serveRuns(
      sqliteStore(file, { checkpoints: "connection", checkpointIntervalMs: 20 }),
      5,
    );
    try {
      // Ten times the interval the worker would have waited.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(checkpointed(file)).toBe(false);
    } finally {
      await served.stop();
    }
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(checkpointed(file)).toBe(true);
  });

  it("close with the store in a process that has nothing else to do, the log removed", async () => {
    const file = join(dir, "closing.sqlite");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(here, "../helpers/children/sqlite-close.ts"), file],
      { cwd: join(here, "../.."), timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ closed: true, log: false });
  });

  it("go back to the store's connection when the worker's fail, and the logger says why", async () => {
    const file = join(dir, "failing.sqlite");
    const logger = memoryLogger();
    const store = sqliteStore(file, {
      logger,
      checkpointIntervalMs: 5,
      faults: { failCheckpoints: true },
    });
    try {
      await store.runs.insert(storedRun());
      await vi.waitUntil(() => logger.lines.length > 0, { timeout: 5000, interval: 10 });
      expect(logger.lines).toEqual([
        `SQLite store ${file}: checkpoints in a worker thread stopped (checkpoint failed (test fault)); the store's connection makes them instead`,
      ]);
      // The connection checkpoints once its log passes 1,000 pages: the file grows.
      const before = statSync(file).size;
      let inserted = 0;
      while (statSync(file).size === before && inserted < 3000) {
        await store.runs.insert(
          storedRun({ creation: { agent_id: "a", input: { pad: "x".repeat(3000) } } }),
        );
        inserted += 1;
      }
      expect(statSync(file).size).toBeGreaterThan(before);
    } finally {
      await store.close();
    }
  });

  it("refuse an unknown mode or an interval out of range, naming the option", () => {
    expect(() => sqliteStore(":memory:", { checkpoints: "thread" as "worker" })).toThrow(
      expect.objectContaining({
        name: "ApiValueError",
        message: 'checkpoints must be "worker" or "connection", got "thread" (at checkpoints)',
        pathToItem: ["checkpoints"],
      }),
    );
    for (const bad of [0, 1.5, -1, 2 ** 31, Number.NaN]) {
      expect(() => sqliteStore(":memory:", { checkpointIntervalMs: bad })).toThrow(
        expect.objectContaining({
          name: "ApiValueError",
          message: expect.stringMatching(
            /^checkpointIntervalMs must be a whole number of milliseconds from 1 to 2147483647, got .+ \(at checkpointIntervalMs\)$/,
          ),
          pathToItem: ["checkpointIntervalMs"],
        }),
      );
    }
  });
});
