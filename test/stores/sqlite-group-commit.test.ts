/**
 * The SQLite store commits the run writes asked for in one turn of the event loop
 * together; each stays a write of its own: one that fails is undone alone, and none is
 * reported stored before the commit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StoreConflictError, sqliteStore } from "../../src/server/index.js";
import { openRawDatabase } from "../helpers/sqlite-driver.js";
import { storedRun, storedThread, tick } from "../helpers/store-suite.js";

const quiet = { warn: () => undefined };
const dir = mkdtempSync(join(tmpdir(), "acp-group-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the SQLite store's group commit", () => {
  it("commits the thread writes of a group in order, each seeing those before it", async () => {
    const store = sqliteStore(":memory:", { logger: quiet });
    try {
      const thread = storedThread({ thread_id: "group-thread" });
      const [created, claimed, taken, patched, released] = await Promise.all([
        store.threads.create(thread),
        store.threads.claim("group-thread", "run-1"),
        store.threads.claim("group-thread", "run-2"),
        store.threads.patch("group-thread", { status: "interrupted" }),
        store.threads.release("group-thread", "run-1"),
      ]);
      expect([created, claimed, taken]).toEqual([true, undefined, "run-1"]);
      expect(patched?.busy_run_id).toBe("run-1");
      expect(released).toBe(true);
      const stored = await store.threads.get("group-thread");
      expect(stored?.busy_run_id).toBeUndefined();
      expect(stored?.status).toBe("interrupted");
    } finally {
      await store.close();
    }
  });

  it("stores the other writes of a group when one of them fails", async () => {
    const store = sqliteStore(":memory:", { logger: quiet });
    try {
      const first = storedRun({ run_id: "00000000-0000-4000-8000-000000000001" });
      const second = storedRun({ run_id: "00000000-0000-4000-8000-000000000002" });
      await store.runs.insert(first);
      const settled = await Promise.allSettled([
        store.runs.insert(second),
        // Already stored: refused, alone.
        store.runs.insert(first),
        store.runs.update({ ...first, status: "success" }, [
          {
            id: 1,
            data: { type: "values", run_id: first.run_id, status: "success", values: { done: 1 } },
          },
        ]),
      ]);
      expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreConflictError);
      expect((await store.runs.get(second.run_id))?.run_id).toBe(second.run_id);
      expect((await store.runs.get(first.run_id))?.status).toBe("success");
      expect(await store.runs.readEvents(first.run_id, 0, 10)).toEqual([
        {
          id: 1,
          data: { type: "values", run_id: first.run_id, status: "success", values: { done: 1 } },
        },
      ]);
    } finally {
      await store.close();
    }
  });

  it("undoes the whole of a failed end (its events too) and keeps the group's other ends", async () => {
    const failing = "00000000-0000-4000-8000-00000000000f";
    const store = sqliteStore(":memory:", {
      logger: quiet,
      faults: {
        beforeRunEnd(run) {
          if (run.run_id === failing) throw new Error("the end is refused here");
        },
      },
    });
    try {
      const ok = storedRun({ run_id: "00000000-0000-4000-8000-00000000000a" });
      const bad = storedRun({ run_id: failing });
      await Promise.all([store.runs.insert(ok), store.runs.insert(bad)]);
      const end = (runId: string) => ({
        id: 1,
        data: { type: "values" as const, run_id: runId, status: "success" as const, values: {} },
      });
      const settled = await Promise.allSettled([
        store.runs.update({ ...bad, status: "success" }, [end(bad.run_id)]),
        store.runs.update({ ...ok, status: "success" }, [end(ok.run_id)]),
      ]);
      expect(settled.map((s) => s.status)).toEqual(["rejected", "fulfilled"]);
      expect((await store.runs.get(bad.run_id))?.status).toBe("pending");
      expect(await store.runs.readEvents(bad.run_id, 0, 10)).toEqual([]);
      expect((await store.runs.get(ok.run_id))?.status).toBe("success");
      expect(await store.runs.readEvents(ok.run_id, 0, 10)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it("undoes a write that fails after its first statement alone, and keeps the group's others", async () => {
    const file = join(dir, "failing-event.sqlite");
    const store = sqliteStore(file, { logger: quiet });
    try {
      const thread = storedThread();
      await store.threads.create(thread);
      const ok = storedRun({ run_id: "00000000-0000-4000-8000-0000000000a1" });
      const bad = storedRun({ run_id: "00000000-0000-4000-8000-0000000000b1" });
      const onThread = storedRun({ thread_id: thread.thread_id });
      await Promise.all([store.runs.insert(ok), store.runs.insert(bad)]);
      // The run's row is written first, then its event, which this trigger refuses.
      const db = openRawDatabase(file);
      db.prepare(
        `CREATE TRIGGER refuse_event BEFORE INSERT ON acp_run_events
         WHEN NEW.data LIKE '%refused%' BEGIN SELECT RAISE(ABORT, 'event refused'); END`,
      ).run();
      db.close();
      const end = (runId: string, text: string) => ({
        id: 1,
        data: {
          type: "values" as const,
          run_id: runId,
          status: "success" as const,
          values: { text },
        },
      });
      const at = tick();
      const settled = await Promise.allSettled([
        store.runs.update({ ...ok, status: "success", updated_at: at }, [end(ok.run_id, "kept")]),
        store.runs.update({ ...bad, status: "success", updated_at: at }, [
          end(bad.run_id, "refused"),
        ]),
        store.threads.claim(thread.thread_id, onThread.run_id),
        store.runs.insert(onThread),
        store.threads.patch(thread.thread_id, { last_run_id: onThread.run_id, updated_at: at }),
      ]);
      expect(settled.map((s) => s.status)).toEqual([
        "fulfilled",
        "rejected",
        "fulfilled",
        "fulfilled",
        "fulfilled",
      ]);
      expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/event refused/);
      expect((await store.runs.get(bad.run_id))?.status).toBe("pending");
      expect(await store.runs.readEvents(bad.run_id, 0, 10)).toEqual([]);
      expect((await store.runs.get(ok.run_id))?.status).toBe("success");
      expect(await store.runs.readEvents(ok.run_id, 0, 10)).toEqual([end(ok.run_id, "kept")]);
      expect(await store.runs.get(onThread.run_id)).toEqual(onThread);
      expect(await store.threads.get(thread.thread_id)).toEqual({
        ...thread,
        last_run_id: onThread.run_id,
        updated_at: at,
        busy_run_id: onThread.run_id,
      });
    } finally {
      await store.close();
    }
  });
});
