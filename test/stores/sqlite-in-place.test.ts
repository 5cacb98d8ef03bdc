/**
 * The SQLite store changes a thread's status and times in its stored record without
 * reading it (a run's end, a patch of those fields), and leaves a run's thread and
 * agent columns alone when a write keeps them. Records that SQLite's JSON functions do
 * not take, damaged ones, and writes that do change them take the whole way round.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteStore } from "../../src/server/stores/sqlite.js";
import { openRawDatabase } from "../helpers/sqlite-driver.js";
import {
  expectThreadRunStart,
  storedRun,
  storedThread,
  tick,
  valuesEvent,
} from "../helpers/store-suite.js";

const dir = mkdtempSync(join(tmpdir(), "acp-in-place-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Metadata nested deeper than SQLite's JSON functions go (1000 levels). */
function deepMetadata(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

describe("the SQLite store's in-place thread writes", () => {
  it("ends a run on a thread: the thread is freed and takes the status and time, the rest kept", async () => {
    const store = sqliteStore(":memory:", { logger: { warn: () => undefined } });
    try {
      const thread = storedThread({ metadata: { team: "a" }, agent_id: "agent-a" });
      await store.threads.create(thread);
      const run = storedRun({ thread_id: thread.thread_id });
      expect(await store.threads.claim(thread.thread_id, run.run_id)).toBeUndefined();
      await store.runs.insert(run);
      const patched = await store.threads.patch(thread.thread_id, {
        last_run_id: run.run_id,
        updated_at: run.created_at,
      });
      expect(patched).toEqual({
        ...thread,
        last_run_id: run.run_id,
        updated_at: run.created_at,
        busy_run_id: run.run_id,
      });
      const at = tick();
      const ended = { ...run, status: "error" as const, updated_at: at, eventCount: 1 };
      expect(
        await store.runs.update(ended, [valuesEvent(run.run_id, 1)], {
          threadId: thread.thread_id,
          status: "error",
        }),
      ).toEqual({ pushConfigs: false });
      expect(await store.threads.get(thread.thread_id)).toEqual({
        ...thread,
        last_run_id: run.run_id,
        status: "error",
        updated_at: at,
      });
      expect(await store.threads.search({ status: "error", limit: 10 })).toHaveLength(1);
      expect(await store.runs.readEvents(run.run_id, 0, 10)).toEqual([valuesEvent(run.run_id, 1)]);
    } finally {
      await store.close();
    }
  });

  it("writes a thread nested deeper than SQLite's JSON functions go whole, and loses none of it", async () => {
    const store = sqliteStore(":memory:", { logger: { warn: () => undefined } });
    try {
      const metadata = deepMetadata(1100);
      const thread = storedThread({ metadata });
      await store.threads.create(thread);
      const run = storedRun({ thread_id: thread.thread_id });
      await store.threads.claim(thread.thread_id, run.run_id);
      await store.runs.insert(run);
      const patched = await store.threads.patch(thread.thread_id, { agent_id: "agent-b" });
      expect(patched).toEqual({ ...thread, agent_id: "agent-b", busy_run_id: run.run_id });
      const at = tick();
      await store.runs.update({ ...run, status: "success", updated_at: at }, [], {
        threadId: thread.thread_id,
        status: "idle",
      });
      expect(await store.threads.get(thread.thread_id)).toEqual({
        ...thread,
        agent_id: "agent-b",
        updated_at: at,
      });
    } finally {
      await store.close();
    }
  });

  it("claims a thread nested deeper than SQLite's JSON functions go for a new run, written whole", async () => {
    const store = sqliteStore(":memory:", { logger: { warn: () => undefined } });
    try {
      // Claimed and refused the whole way round.
      await expectThreadRunStart(store, storedThread({ metadata: deepMetadata(1100) }));
    } finally {
      await store.close();
    }
  });

  it("treats a damaged thread as absent in a patch and a run's end, and marks it", async () => {
    const file = join(dir, `store-${++files}.sqlite`);
    const warnings: string[] = [];
    const store = sqliteStore(file, { logger: { warn: (m) => warnings.push(m) } });
    try {
      const thread = storedThread();
      await store.threads.create(thread);
      const run = storedRun({ thread_id: thread.thread_id });
      await store.runs.insert(run);
      const db = openRawDatabase(file);
      db.prepare("UPDATE acp_threads SET record = '{\"thread_id\":' WHERE thread_id = ?").run(
        thread.thread_id,
      );
      expect(await store.threads.patch(thread.thread_id, { status: "error" })).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(
        db.prepare("SELECT unreadable FROM acp_threads WHERE thread_id = ?").get(thread.thread_id),
      ).toEqual({ unreadable: 1 });
      // The run's end is stored all the same.
      expect(
        await store.runs.update({ ...run, status: "success", updated_at: tick() }, [], {
          threadId: thread.thread_id,
          status: "idle",
        }),
      ).toEqual({ pushConfigs: false });
      expect((await store.runs.get(run.run_id))?.status).toBe("success");
      expect(
        db.prepare("SELECT record FROM acp_threads WHERE thread_id = ?").get(thread.thread_id),
      ).toEqual({ record: '{"thread_id":' });
      db.close();
    } finally {
      await store.close();
    }
  });

  it("moves a run's thread and agent columns when a write changes them", async () => {
    const store = sqliteStore(":memory:", { logger: { warn: () => undefined } });
    try {
      const run = storedRun({ thread_id: "thread-1" });
      await store.runs.insert(run);
      const moved = { ...run, agent_id: "agent-b", thread_id: "thread-2", updated_at: tick() };
      expect(await store.runs.update(moved)).toEqual({ pushConfigs: false });
      expect(await store.runs.search({ agentId: "agent-b", limit: 10 })).toEqual([moved]);
      expect(await store.runs.search({ threadId: "thread-2", limit: 10 })).toEqual([moved]);
      expect(await store.runs.search({ threadId: "thread-1", limit: 10 })).toEqual([]);
      expect(await store.runs.update({ ...storedRun(), updated_at: tick() })).toBe(false);
    } finally {
      await store.close();
    }
  });
});
