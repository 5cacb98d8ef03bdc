/**
 * A new thread run's start over HTTP, on each store: the run is stored with its thread
 * claimed and made the run's in one write. A later run makes an earlier interrupt
 * unresumable (the thread names the later run), and a run refused a busy thread is
 * answered 409 and stored nowhere.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration, ConflictException } from "../../src/index.js";
import {
  memoryStore,
  postgresStore,
  type ServerStore,
  sqliteStore,
} from "../../src/server/index.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";

const dir = mkdtempSync(join(tmpdir(), "acp-thread-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let db: TestDatabase | undefined;

/** A PostgreSQL store on a database of its own, dropped after the store's tests. */
async function openPostgres(): Promise<ServerStore> {
  db = await createTestDatabase();
  return postgresStore(db.url);
}

const stores: Array<{ name: string; skip: boolean; open: () => Promise<ServerStore> }> = [
  { name: "memory", skip: false, open: async () => memoryStore() },
  { name: "SQLite", skip: false, open: async () => sqliteStore(join(dir, "store.sqlite")) },
  { name: "PostgreSQL", skip: !postgresAvailable, open: openPostgres },
];

describe.each(stores)("a thread run's start on the $name store", ({ skip, open }) => {
  let running: TestACPServer;
  let client: ACPClient;

  beforeAll(async () => {
    if (skip) return;
    running = await startACPServer({ store: await open() });
    client = new ACPClient({ configuration: new ApiClientConfiguration({ host: running.url }) });
  });
  afterAll(async () => {
    running?.gate.release();
    await client?.close();
    await running?.close();
    await db?.drop();
    db = undefined;
  });

  it.skipIf(skip)(
    "names the thread's latest run: its interrupt is resumed, one a later run left behind is not",
    async () => {
      const { thread_id } = await client.createThread({ metadata: { note: "a \u0000 b" } });
      const asked = await client.createAndWaitForThreadRunOutput(thread_id, {
        agent_id: agentIds.interrupt,
        input: { topic: "old" },
      });
      expect(asked.run?.status).toBe("interrupted");
      const runId = asked.run?.run_id as string;
      // The thread's latest run: its interrupt is resumed (it asks a second question).
      await client.resumeThreadRun(thread_id, runId, { answer: "1" });
      const again = await client.waitForThreadRunOutput(thread_id, runId);
      expect(again.run?.status).toBe("interrupted");
      const later = await client.createAndWaitForThreadRunOutput(thread_id, {
        agent_id: agentIds.echo,
        input: { text: "moved on" },
      });
      expect(later.run?.status).toBe("success");
      await expect(
        client.resumeThreadRun(thread_id, runId, { answer: "late" }),
      ).rejects.toBeInstanceOf(ConflictException);
      expect((await client.getThread(thread_id)).metadata).toEqual({ note: "a \u0000 b" });
    },
  );

  it.skipIf(skip)("refuses a run on a busy thread with 409 and stores nothing of it", async () => {
    const { thread_id } = await client.createThread({});
    const started = running.gate.started;
    const slow = await client.createThreadRun(thread_id, {
      agent_id: agentIds.slow,
      input: { text: "s" },
    });
    await running.gate.waitForStarted(started + 1);
    await expect(
      client.createThreadRun(thread_id, { agent_id: agentIds.echo, input: { text: "no" } }),
    ).rejects.toBeInstanceOf(ConflictException);
    const runs = await client.listThreadRuns(thread_id);
    expect(runs.map((r) => r.run_id)).toEqual([slow.run_id]);
    running.gate.release();
  });
});
