/**
 * The behaviour every `ServerStore` backend must have. Each backend's test file calls
 * `describeStore` with a way to open a fresh store; the same assertions then hold the
 * memory, SQLite and PostgreSQL backends to one contract.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StoreLogger } from "../../src/server/stores/codec.js";
import { StoreConflictError, StoreEncodingError } from "../../src/server/stores/errors.js";
import type {
  ServerStore,
  StoredEvent,
  StoredRun,
  StoredThread,
  StoreFaults,
} from "../../src/server/stores/store.js";

/** A fresh store opened for one test, with what the backend can do beyond the contract. */
export interface StoreHarness {
  store: ServerStore;
  /**
   * Damages a stored record the way a crash or a hand edit would (truncated JSON
   * text). Absent where stored records cannot be damaged from outside.
   */
  poison?(kind: "run" | "thread", id: string): Promise<void>;
  /** Closes the store and opens it again on the same data. Absent when nothing persists. */
  reopen?(): Promise<ServerStore>;
  /** Closes the store (the last one `reopen` gave) and removes its data. */
  dispose(): Promise<void>;
}

/**
 * Opens a fresh, empty store that reports unreadable records to `logger` and calls the
 * hooks of `faults` (which a test sets and clears as it goes).
 */
export type OpenStore = (logger: StoreLogger, faults: StoreFaults) => Promise<StoreHarness>;

let clock = Date.parse("2026-01-01T00:00:00.000Z");
/** Timestamps that increase from one call to the next. */
export function tick(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

/** A stored run with sensible fields; `fields` override them. */
export function storedRun(fields: Partial<StoredRun> = {}): StoredRun {
  const at = fields.created_at ?? tick();
  const runId = fields.run_id ?? randomUUID();
  return {
    run_id: runId,
    agent_id: "agent-a",
    created_at: at,
    updated_at: at,
    status: "pending",
    creation: { agent_id: "agent-a", input: { text: "hi" } },
    graphThreadId: fields.thread_id ?? runId,
    modes: ["values"],
    eventCount: 0,
    ...fields,
  };
}

/** A stored thread with sensible fields; `fields` override them. */
export function storedThread(fields: Partial<StoredThread> = {}): StoredThread {
  const at = fields.created_at ?? tick();
  return {
    thread_id: randomUUID(),
    created_at: at,
    updated_at: at,
    metadata: {},
    status: "idle",
    ...fields,
  };
}

/** A `values` event of a run. */
export const valuesEvent = (runId: string, id: number): StoredEvent => ({
  id,
  data: { type: "values", run_id: runId, status: "pending", values: { step: id } },
});

const ids = (records: ReadonlyArray<{ run_id: string }>) => records.map((r) => r.run_id);
const threadIds = (records: ReadonlyArray<{ thread_id: string }>) =>
  records.map((r) => r.thread_id);

/**
 * Stores `thread`, then a run on it that claims it (`RunStore.insert`): the run is
 * stored, holds the thread and is its latest. A second run is then refused, the run
 * holding the thread answered, and nothing of it stored.
 */
export async function expectThreadRunStart(store: ServerStore, thread: StoredThread) {
  await store.threads.create(thread);
  const id = thread.thread_id;
  const run = storedRun({ thread_id: id, agent_id: "agent-b" });
  expect(await store.runs.insert(run, { threadId: id })).toBeUndefined();
  expect(await store.runs.get(run.run_id)).toEqual(run);
  expect(await store.threads.get(id)).toEqual({
    ...thread,
    agent_id: "agent-b",
    updated_at: run.created_at,
    last_run_id: run.run_id,
    busy_run_id: run.run_id,
  });
  const refused = storedRun({ thread_id: id });
  expect(await store.runs.insert(refused, { threadId: id })).toBe(run.run_id);
  expect(await store.runs.get(refused.run_id)).toBeUndefined();
  expect((await store.threads.get(id))?.last_run_id).toBe(run.run_id);
  return { id, run };
}

/** Declares the store contract's tests for one backend. */
export function describeStore(name: string, open: OpenStore): void {
  describe(`${name} store`, () => {
    let harness: StoreHarness;
    let store: ServerStore;
    const warnings: string[] = [];
    const faults: StoreFaults = {};

    beforeEach(async () => {
      warnings.length = 0;
      faults.beforeRunEnd = undefined;
      harness = await open({ warn: (m) => void warnings.push(m) }, faults);
      store = harness.store;
    });
    afterEach(async () => {
      await harness.dispose();
    });

    describe("runs", () => {
      it("stores a run and reads back an equal copy that the caller cannot change", async () => {
        const run = storedRun({
          creation: { agent_id: "agent-a", input: { nested: { list: [1, "two", null] } } },
          output: { type: "result", values: { reply: "é ✓ \u0000 end" } },
          baseline: "checkpoint-1",
          head: "checkpoint-2",
        });
        await store.runs.insert(run);
        const read = await store.runs.get(run.run_id);
        expect(read).toEqual(run);
        (read as StoredRun).status = "error";
        expect((await store.runs.get(run.run_id))?.status).toBe("pending");
        expect(await store.runs.get(randomUUID())).toBeUndefined();
      });

      it("refuses a second insert of one id and keeps the first", async () => {
        const run = storedRun();
        await store.runs.insert(run);
        await expect(store.runs.insert({ ...run, agent_id: "other" })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        expect((await store.runs.get(run.run_id))?.agent_id).toBe("agent-a");
      });

      it("refuses what is not plain JSON, storing nothing", async () => {
        const run = storedRun({
          creation: { agent_id: "agent-a", input: { big: 1n } as unknown as Record<string, never> },
        });
        await expect(store.runs.insert(run)).rejects.toBeInstanceOf(StoreEncodingError);
        expect(await store.runs.get(run.run_id)).toBeUndefined();
      });

      it("updates a stored run, and never revives a deleted one", async () => {
        const run = storedRun();
        await store.runs.insert(run);
        const done: StoredRun = {
          ...run,
          status: "success",
          updated_at: tick(),
          output: { type: "result", values: { ok: true } },
          eventCount: 3,
        };
        expect(await store.runs.update(done)).toEqual({ pushConfigs: false });
        expect(await store.runs.get(run.run_id)).toEqual(done);
        expect(await store.runs.delete(run.run_id)).toBe(true);
        expect(await store.runs.delete(run.run_id)).toBe(false);
        expect(await store.runs.update(done)).toBe(false);
        expect(await store.runs.get(run.run_id)).toBeUndefined();
      });

      it("searches by thread, agent, status and metadata, oldest first", async () => {
        const threadId = randomUUID();
        const at = tick();
        const runs = [
          storedRun({ created_at: at, creation: { agent_id: "agent-a", metadata: { team: "x" } } }),
          // Same millisecond: insertion order decides.
          storedRun({ created_at: at, agent_id: "agent-b", status: "success" }),
          storedRun({ thread_id: threadId, creation: { agent_id: "agent-a" } }),
          storedRun({
            status: "success",
            creation: { agent_id: "agent-a", metadata: { team: "x", tags: ["a", { b: 1 }] } },
          }),
          storedRun({ thread_id: threadId, status: "error" }),
        ];
        for (const run of runs) await store.runs.insert(run);
        const [r0, r1, r2, r3, r4] = ids(runs);
        const search = (query: Omit<Parameters<typeof store.runs.search>[0], "limit">) =>
          store.runs.search({ limit: 100, ...query }).then(ids);
        expect(await search({})).toEqual([r0, r1, r2, r3, r4]);
        expect(await search({ threadId: null })).toEqual([r0, r1, r3]);
        expect(await search({ threadId })).toEqual([r2, r4]);
        expect(await search({ threadId: randomUUID() })).toEqual([]);
        expect(await search({ agentId: "agent-b" })).toEqual([r1]);
        expect(await search({ status: "success" })).toEqual([r1, r3]);
        expect(await search({ status: "success", threadId: null, agentId: "agent-a" })).toEqual([
          r3,
        ]);
        expect(await search({ metadata: { team: "x" } })).toEqual([r0, r3]);
        expect(await search({ metadata: { team: "x", tags: ["a", { b: 1 }] } })).toEqual([r3]);
        expect(await search({ metadata: { team: "y" } })).toEqual([]);
        expect(await search({ metadata: { tags: ["a"] } })).toEqual([]);
        expect(await search({ metadata: { absent: null } })).toEqual([]);
      });

      it("matches long metadata values exactly", async () => {
        const long = "v".repeat(5000);
        const a = storedRun({ creation: { agent_id: "agent-a", metadata: { doc: long } } });
        const b = storedRun({ creation: { agent_id: "agent-a", metadata: { doc: `${long}w` } } });
        await store.runs.insert(a);
        await store.runs.insert(b);
        expect(ids(await store.runs.search({ metadata: { doc: long }, limit: 10 }))).toEqual([
          a.run_id,
        ]);
      });

      it("pages with limit and offset, and keeps creation order across updates", async () => {
        const runs = Array.from({ length: 25 }, (_, i) =>
          storedRun({ agent_id: i % 2 === 0 ? "even" : "odd" }),
        );
        for (const run of runs) await store.runs.insert(run);
        // Finish them newest first: the order of searches must not follow updates.
        for (const run of [...runs].reverse()) {
          await store.runs.update({ ...run, status: "success", updated_at: tick() });
        }
        const even = ids(runs.filter((_, i) => i % 2 === 0));
        const page = (offset: number, limit: number) =>
          store.runs.search({ agentId: "even", status: "success", limit, offset }).then(ids);
        expect(await page(0, 5)).toEqual(even.slice(0, 5));
        expect(await page(5, 5)).toEqual(even.slice(5, 10));
        expect(await page(10, 5)).toEqual(even.slice(10, 13));
        expect(await page(13, 5)).toEqual([]);
        expect(ids(await store.runs.search({ status: "success", limit: 3, offset: 1 }))).toEqual(
          ids(runs.slice(1, 4)),
        );
        expect(await store.runs.search({ status: "pending", limit: 10 })).toEqual([]);
      });

      it("deletes the runs of a thread with their events, and only those", async () => {
        const threadId = randomUUID();
        const onThread = [storedRun({ thread_id: threadId }), storedRun({ thread_id: threadId })];
        const other = storedRun({ thread_id: randomUUID() });
        for (const run of [...onThread, other]) {
          await store.runs.insert(run);
          await store.runs.appendEvents(run.run_id, [valuesEvent(run.run_id, 1)]);
        }
        expect(await store.runs.deleteThreadRuns(threadId)).toBe(2);
        expect(await store.runs.search({ threadId, limit: 10 })).toEqual([]);
        expect(await store.runs.get((onThread[0] as StoredRun).run_id)).toBeUndefined();
        expect(await store.runs.readEvents((onThread[0] as StoredRun).run_id, 0, 10)).toEqual([]);
        expect(await store.runs.get(other.run_id)).toEqual(other);
        expect(await store.runs.readEvents(other.run_id, 0, 10)).toHaveLength(1);
      });

      it("purges finished runs updated before a time, never executing or resumable ones", async () => {
        const old = tick();
        const finished = storedRun({ status: "success", updated_at: old, thread_id: "t-1" });
        const failed = storedRun({ status: "error", updated_at: old });
        const cancelled = storedRun({
          status: "interrupted",
          updated_at: old,
          output: { type: "error", run_id: "x", errcode: 499, description: "cancelled" },
        });
        const pending = storedRun({ status: "pending", updated_at: old });
        const resumable = storedRun({
          status: "interrupted",
          updated_at: old,
          output: { type: "interrupt", interrupt: { ask: "?" } },
        });
        const cutoff = tick();
        const recent = storedRun({ status: "success", updated_at: tick() });
        const all = [finished, failed, cancelled, pending, resumable, recent];
        for (const run of all) await store.runs.insert(run);
        await store.runs.appendEvents(finished.run_id, [valuesEvent(finished.run_id, 1)]);

        const first = await store.runs.purgeFinished(cutoff, 2);
        expect(first).toHaveLength(2);
        const second = await store.runs.purgeFinished(cutoff, 10);
        const byId = (a: { run_id: string }, b: { run_id: string }) =>
          a.run_id.localeCompare(b.run_id);
        expect([...first, ...second].sort(byId)).toEqual(
          [
            { run_id: finished.run_id, thread_id: "t-1" },
            { run_id: failed.run_id },
            { run_id: cancelled.run_id },
          ].sort(byId),
        );
        expect(await store.runs.purgeFinished(cutoff, 10)).toEqual([]);
        expect(ids(await store.runs.search({ limit: 10 }))).toEqual([
          pending.run_id,
          resumable.run_id,
          recent.run_id,
        ]);
        expect(await store.runs.readEvents(finished.run_id, 0, 10)).toEqual([]);
      });

      it("appends events and reads them after an id, in order, at most a limit", async () => {
        const run = storedRun();
        await store.runs.insert(run);
        const events = Array.from({ length: 7 }, (_, i) => valuesEvent(run.run_id, i + 1));
        await store.runs.appendEvents(run.run_id, events.slice(0, 3));
        await store.runs.appendEvents(run.run_id, events.slice(3));
        expect(await store.runs.readEvents(run.run_id, 0, 100)).toEqual(events);
        expect(await store.runs.readEvents(run.run_id, 4, 2)).toEqual(events.slice(4, 6));
        expect(await store.runs.readEvents(run.run_id, 7, 10)).toEqual([]);
        const other = storedRun();
        await store.runs.insert(other);
        expect(await store.runs.readEvents(other.run_id, 0, 10)).toEqual([]);

        await store.runs.deleteEvents(run.run_id);
        expect(await store.runs.readEvents(run.run_id, 0, 10)).toEqual([]);
        expect(await store.runs.get(run.run_id)).toEqual(run);
      });

      it("stores a run's new state and its new events in one write", async () => {
        const run = storedRun();
        await store.runs.insert(run);
        const events = [valuesEvent(run.run_id, 1), valuesEvent(run.run_id, 2)];
        const ended: StoredRun = {
          ...run,
          status: "success",
          output: { type: "result", values: { step: 2 } },
          eventCount: 2,
        };
        expect(await store.runs.update(ended, events)).toEqual({ pushConfigs: false });
        expect(await store.runs.get(run.run_id)).toEqual(ended);
        expect(await store.runs.readEvents(run.run_id, 0, 10)).toEqual(events);
        // A run that is not stored takes neither.
        const gone = storedRun();
        expect(await store.runs.update(gone, [valuesEvent(gone.run_id, 1)])).toBe(false);
        expect(await store.runs.readEvents(gone.run_id, 0, 10)).toEqual([]);
      });

      it("ends a thread run and frees its thread in one write", async () => {
        const thread = storedThread({ metadata: { a: 1 } });
        await store.threads.create(thread);
        const run = storedRun({ thread_id: thread.thread_id });
        await store.runs.insert(run);
        expect(await store.threads.claim(thread.thread_id, run.run_id)).toBeUndefined();
        const at = tick();
        const ended: StoredRun = { ...run, status: "interrupted", updated_at: at, eventCount: 1 };
        const end = { threadId: thread.thread_id, status: "interrupted" } as const;
        expect(await store.runs.update(ended, [valuesEvent(run.run_id, 1)], end)).toEqual({
          pushConfigs: false,
        });
        expect(await store.runs.get(run.run_id)).toEqual(ended);
        const freed = { ...thread, status: "interrupted", updated_at: at };
        expect(await store.threads.get(thread.thread_id)).toEqual(freed);
        expect(
          await store.threads.search({ limit: 10, status: "interrupted" }).then(threadIds),
        ).toEqual([thread.thread_id]);
        expect(await store.threads.release(thread.thread_id, run.run_id)).toBe(false);
      });

      it("leaves the claim of a thread another run holds when a run's end gives it its status", async () => {
        const thread = storedThread();
        await store.threads.create(thread);
        const [run, next] = [storedRun({ thread_id: thread.thread_id }), randomUUID()];
        await store.runs.insert(run);
        expect(await store.threads.claim(thread.thread_id, run.run_id)).toBeUndefined();
        expect(await store.threads.claim(thread.thread_id, next, run.run_id)).toBeUndefined();
        const at = tick();
        const end = { threadId: thread.thread_id, status: "error" } as const;
        await store.runs.update({ ...run, status: "error", updated_at: at }, [], end);
        expect(await store.threads.get(thread.thread_id)).toEqual({
          ...thread,
          status: "error",
          updated_at: at,
          busy_run_id: next,
        });
        expect(await store.threads.search({ limit: 10, status: "busy" }).then(threadIds)).toEqual([
          thread.thread_id,
        ]);
        // A run that is no longer stored still frees its thread.
        const gone = storedRun({ thread_id: thread.thread_id, run_id: next, status: "success" });
        const idle = { threadId: thread.thread_id, status: "idle" } as const;
        expect(await store.runs.update(gone, [], idle)).toBe(false);
        expect(await store.runs.get(next)).toBeUndefined();
        expect((await store.threads.get(thread.thread_id))?.busy_run_id).toBeUndefined();
        expect((await store.threads.get(thread.thread_id))?.status).toBe("idle");
      });

      it("writes nothing of a run's end that fails: neither its status nor its terminal event", async () => {
        const run = storedRun();
        await store.runs.insert(run);
        await store.runs.update({ ...run, eventCount: 1 }, [valuesEvent(run.run_id, 1)]);
        faults.beforeRunEnd = () => {
          throw new Error("the process died here");
        };
        const terminal: StoredEvent = {
          id: 2,
          data: { type: "values", run_id: run.run_id, status: "success", values: { step: 2 } },
        };
        await expect(
          store.runs.update({ ...run, status: "success", eventCount: 2 }, [terminal]),
        ).rejects.toThrow("the process died here");
        expect((await store.runs.get(run.run_id))?.status).toBe("pending");
        expect(await store.runs.readEvents(run.run_id, 0, 10)).toEqual([
          valuesEvent(run.run_id, 1),
        ]);
      });

      it("drops events of a run that is not stored", async () => {
        const runId = randomUUID();
        await store.runs.appendEvents(runId, [valuesEvent(runId, 1)]);
        expect(await store.runs.readEvents(runId, 0, 10)).toEqual([]);
      });

      it("finds few runs among many by each indexed field", async () => {
        const threadId = randomUUID();
        const wanted: string[] = [];
        for (let i = 0; i < 600; i += 1) {
          const rare = i % 100 === 7;
          const run = storedRun({
            agent_id: rare ? "rare" : `agent-${i % 5}`,
            ...(rare ? { thread_id: threadId } : {}),
            status: rare ? "timeout" : "success",
            creation: { agent_id: "x", metadata: { n: i % 100, rare } },
          });
          if (rare) wanted.push(run.run_id);
          await store.runs.insert(run);
        }
        expect(ids(await store.runs.search({ agentId: "rare", limit: 10 }))).toEqual(wanted);
        expect(ids(await store.runs.search({ threadId, limit: 10 }))).toEqual(wanted);
        expect(ids(await store.runs.search({ status: "timeout", limit: 10 }))).toEqual(wanted);
        expect(ids(await store.runs.search({ metadata: { n: 7 }, limit: 2 }))).toEqual(
          wanted.slice(0, 2),
        );
        expect(await store.runs.search({ agentId: "agent-1", limit: 10 })).toHaveLength(10);
      });
    });

    describe("threads", () => {
      it("creates a thread once and reads it back", async () => {
        const thread = storedThread({ metadata: { owner: "me", deep: { a: [1] } } });
        expect(await store.threads.create(thread)).toBe(true);
        expect(await store.threads.create({ ...thread, metadata: {} })).toBe(false);
        expect(await store.threads.get(thread.thread_id)).toEqual(thread);
        expect(await store.threads.get("absent")).toBeUndefined();
      });

      it("patches the given fields only, keeping the claim", async () => {
        const thread = storedThread({ metadata: { a: 1 } });
        await store.threads.create(thread);
        const runId = randomUUID();
        expect(await store.threads.claim(thread.thread_id, runId)).toBeUndefined();
        const at = tick();
        const patched = await store.threads.patch(thread.thread_id, {
          status: "interrupted",
          updated_at: at,
          last_run_id: runId,
        });
        const expected: StoredThread = {
          ...thread,
          status: "interrupted",
          updated_at: at,
          last_run_id: runId,
          busy_run_id: runId,
        };
        expect(patched).toEqual(expected);
        expect(await store.threads.get(thread.thread_id)).toEqual(expected);
        expect(await store.threads.patch("absent", { status: "idle" })).toBeUndefined();
      });

      it("searches by metadata and status (busy while claimed), oldest first, paged", async () => {
        const threads = Array.from({ length: 6 }, (_, i) =>
          storedThread({
            metadata: { team: i % 2 === 0 ? "x" : "y", i },
            status: i === 5 ? "error" : "idle",
          }),
        );
        for (const thread of threads) await store.threads.create(thread);
        const [t0, t1, t2, t3, t4, t5] = threadIds(threads);
        await store.threads.claim(t2 as string, randomUUID());
        const search = (query: Omit<Parameters<typeof store.threads.search>[0], "limit">) =>
          store.threads.search({ limit: 100, ...query }).then(threadIds);
        expect(await search({})).toEqual([t0, t1, t2, t3, t4, t5]);
        expect(await search({ metadata: { team: "x" } })).toEqual([t0, t2, t4]);
        expect(await search({ metadata: { team: "x", i: 4 } })).toEqual([t4]);
        expect(await search({ status: "busy" })).toEqual([t2]);
        expect(await search({ status: "idle" })).toEqual([t0, t1, t3, t4]);
        expect(await search({ status: "error" })).toEqual([t5]);
        expect(await search({ status: "idle", metadata: { team: "x" } })).toEqual([t0, t4]);
        expect(threadIds(await store.threads.search({ limit: 2, offset: 3 }))).toEqual([t3, t4]);
      });

      it("deletes a thread", async () => {
        const thread = storedThread();
        await store.threads.create(thread);
        expect(await store.threads.delete(thread.thread_id)).toBe(true);
        expect(await store.threads.delete(thread.thread_id)).toBe(false);
        expect(await store.threads.get(thread.thread_id)).toBeUndefined();
        expect(await store.threads.search({ limit: 10 })).toEqual([]);
      });

      it("claims a thread for one run at a time, hands it over, and releases it", async () => {
        const thread = storedThread();
        await store.threads.create(thread);
        const id = thread.thread_id;
        const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
        expect(await store.threads.claim(id, a)).toBeUndefined();
        expect(await store.threads.claim(id, a)).toBeUndefined();
        expect(await store.threads.claim(id, b)).toBe(a);
        expect(await store.threads.claim(id, b, c)).toBe(a);
        expect(await store.threads.release(id, b)).toBe(false);
        expect((await store.threads.get(id))?.busy_run_id).toBe(a);
        // b was queued behind a: it takes the thread over from a.
        expect(await store.threads.claim(id, b, a)).toBeUndefined();
        expect(await store.threads.release(id, a)).toBe(false);
        expect((await store.threads.get(id))?.busy_run_id).toBe(b);
        expect(await store.threads.release(id, b)).toBe(true);
        expect((await store.threads.get(id))?.busy_run_id).toBeUndefined();
        expect(await store.threads.claim(id, c)).toBeUndefined();
        expect(await store.threads.claim("absent", a)).toBe("");
      });

      it("stores a thread run with its thread claimed, and makes it the thread's latest", async () => {
        // A NUL in the record: the stores that edit it in place must keep it.
        const thread = storedThread({ metadata: { note: "a \u0000 b" } });
        const { id, run } = await expectThreadRunStart(store, thread);
        // Queued behind the holder, it takes the thread over from it.
        const next = storedRun({ thread_id: id });
        expect(await store.runs.insert(next, { threadId: id, over: run.run_id })).toBeUndefined();
        expect(await store.threads.get(id)).toMatchObject({
          busy_run_id: next.run_id,
          last_run_id: next.run_id,
          updated_at: next.created_at,
          metadata: { note: "a \u0000 b" },
        });
        // No such thread: nothing stored.
        const lost = storedRun({ thread_id: "absent" });
        expect(await store.runs.insert(lost, { threadId: "absent" })).toBe("");
        expect(await store.runs.get(lost.run_id)).toBeUndefined();
      });

      it("leaves the thread unclaimed when a thread run's id is already stored", async () => {
        const thread = storedThread();
        await store.threads.create(thread);
        const run = storedRun();
        await store.runs.insert(run);
        const again = { ...run, thread_id: thread.thread_id };
        await expect(
          store.runs.insert(again, { threadId: thread.thread_id }),
        ).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.threads.get(thread.thread_id)).toEqual(thread);
      });

      it("lets exactly one of many simultaneous claims win", async () => {
        const thread = storedThread();
        await store.threads.create(thread);
        const runs = Array.from({ length: 10 }, () => randomUUID());
        const answers = await Promise.all(
          runs.map((r) => store.threads.claim(thread.thread_id, r)),
        );
        const winners = runs.filter((_, i) => answers[i] === undefined);
        expect(winners).toHaveLength(1);
        for (const answer of answers) if (answer !== undefined) expect(answer).toBe(winners[0]);
        expect((await store.threads.get(thread.thread_id))?.busy_run_id).toBe(winners[0]);
      });
    });

    describe("unreadable records", () => {
      it("skips and reports a damaged run or thread; the others still answer", async (context) => {
        if (!harness.poison) return context.skip();
        const good = storedRun({ status: "pending" });
        const bad = storedRun({ status: "pending" });
        const later = storedRun({ status: "pending" });
        for (const run of [good, bad, later]) await store.runs.insert(run);
        const goodThread = storedThread({ metadata: { k: 1 } });
        const badThread = storedThread({ metadata: { k: 1 } });
        await store.threads.create(goodThread);
        await store.threads.create(badThread);
        await harness.poison("run", bad.run_id);
        await harness.poison("thread", badThread.thread_id);

        expect(await store.runs.get(bad.run_id)).toBeUndefined();
        expect(ids(await store.runs.search({ status: "pending", limit: 10 }))).toEqual([
          good.run_id,
          later.run_id,
        ]);
        expect(await store.threads.get(badThread.thread_id)).toBeUndefined();
        expect(threadIds(await store.threads.search({ metadata: { k: 1 }, limit: 10 }))).toEqual([
          goodThread.thread_id,
        ]);
        expect(warnings.some((w) => w.includes(bad.run_id))).toBe(true);
        expect(warnings.some((w) => w.includes(badThread.thread_id))).toBe(true);
      });
    });

    describe("persistence", () => {
      it("keeps runs, events and threads across a reopen", async (context) => {
        if (!harness.reopen) return context.skip();
        const thread = storedThread({ metadata: { kept: true } });
        await store.threads.create(thread);
        await store.threads.claim(thread.thread_id, "run-x");
        const run = storedRun({ thread_id: thread.thread_id, status: "success" });
        await store.runs.insert(run);
        await store.runs.appendEvents(run.run_id, [valuesEvent(run.run_id, 1)]);

        store = await harness.reopen();
        expect(await store.runs.get(run.run_id)).toEqual(run);
        expect(await store.runs.readEvents(run.run_id, 0, 10)).toEqual([
          valuesEvent(run.run_id, 1),
        ]);
        expect(await store.threads.get(thread.thread_id)).toEqual({
          ...thread,
          busy_run_id: "run-x",
        });
        expect(ids(await store.runs.search({ threadId: thread.thread_id, limit: 10 }))).toEqual([
          run.run_id,
        ]);
      });
    });
  });
}
