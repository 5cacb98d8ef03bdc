/**
 * The PostgreSQL store's group commit: the runs created in one turn of the event loop
 * (on no thread, or claiming their thread), their executions' owned writes (freeing
 * their thread), the threads' reads and patches, and the checkpointer's puts and writes
 * of different threads go in one statement each, and every one is stored, announced and
 * answered as it would be alone.
 */
import { randomUUID } from "node:crypto";
import type { Checkpoint, CheckpointMetadata } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { StoreConflictError } from "../../src/server/errors.js";
import { RecordDecoder } from "../../src/server/stores/codec.js";
import { compactPostgresSaver } from "../../src/server/stores/postgres/saver.js";
import { PostgresRunStore, PostgresThreadStore } from "../../src/server/stores/postgres/store.js";
import type { ThreadEnd } from "../../src/server/stores/replicas.js";
import type { StoredEvent, StoredRun } from "../../src/server/stores/store.js";
import { checkpointRowsOf, refuseCheckpointsOf } from "../helpers/checkpoint-rows.js";
import { migratedTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { type HeardNotices, listenToRunChannels } from "../helpers/postgres-notices.js";
import { countStoreStatements, type StatementCounter } from "../helpers/postgres-statements.js";
import { storedRun, storedThread } from "../helpers/store-suite.js";

const SCHEMA = "acp";

/** The columns a run's row has besides its record and its ids, as the store wrote them. */
const RUN_ROW = `SELECT status, finished, queued, owner, attempt, leg, after_run, thread_id
  FROM acp.runs WHERE run_id = $1`;
const THREAD_ROW = "SELECT status, updated_at, busy_run_id FROM acp.threads WHERE thread_id = $1";
/** The columns a run's row has besides its record, as the store wrote them (all but its record). */
const STATELESS_ROW = `SELECT thread_id, agent_id, status, created_at, updated_at, finished, meta, queued,
  owner, attempt, leg, after_run FROM acp.runs WHERE run_id = $1`;

describe.skipIf(!postgresAvailable)("the PostgreSQL store's writes of one turn", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: PostgresRunStore;
  let threads: PostgresThreadStore;
  let theirs: PostgresSaver;
  let ours: PostgresSaver;
  let counter: StatementCounter;
  let heard: HeardNotices;

  beforeAll(async () => {
    ({ db, pool, saver: theirs } = await migratedTestDatabase(SCHEMA, 8));
    ours = compactPostgresSaver(PostgresSaver, pool, SCHEMA);
    const decoder = new RecordDecoder(console);
    threads = new PostgresThreadStore(Promise.resolve(pool), SCHEMA, decoder);
    store = new PostgresRunStore(Promise.resolve(pool), SCHEMA, decoder, undefined, threads);
    heard = await listenToRunChannels(db.url, SCHEMA);
    counter = countStoreStatements();
  });
  afterAll(async () => {
    counter?.stop();
    await heard?.stop();
    await pool?.end();
    await db?.drop();
  });
  beforeEach(async () => {
    await heard.clear();
    counter.reset();
  });

  const runRow = async (runId: string) => (await pool.query(RUN_ROW, [runId])).rows[0];
  const threadRow = async (threadId: string) => (await pool.query(THREAD_ROW, [threadId])).rows[0];
  /**
   * `count` threads stored idle, free, and read unless `read` is false, as a run's
   * creation reads its thread: the claim of a run then makes it the thread's latest in
   * its statement.
   */
  const newThreads = async (count: number, read = true) => {
    const made = Array.from({ length: count }, () => storedThread());
    for (const thread of made) {
      await threads.create(thread);
      if (read) await threads.get(thread.thread_id);
    }
    return made.map((t) => t.thread_id);
  };
  const onThread = (threadId: string) => storedRun({ thread_id: threadId });
  const input = { kind: "input" } as const;
  const event = (run: StoredRun, id: number): StoredEvent => ({
    id,
    data: { type: "custom", run_id: run.run_id, status: "pending", update: { id } },
  });
  /**
   * Two writes of `run` (an event, then its end with event 2) and the end of `other`
   * between them, asked for in one turn; `ends` frees their threads.
   */
  const twoWritesAndAnother = (
    run: StoredRun,
    other: StoredRun,
    ends: { run?: ThreadEnd; other?: ThreadEnd } = {},
  ) =>
    Promise.all([
      store.updateOwned(
        { ...run, updated_at: "2030-01-01T00:00:01.000Z" },
        7,
        1,
        false,
        undefined,
        [event(run, 1)],
      ),
      store.updateOwned({ ...other, status: "success" }, 7, 1, true, ends.other),
      store.updateOwned(
        { ...run, status: "error", updated_at: "2030-01-01T00:00:02.000Z" },
        7,
        1,
        true,
        ends.run,
        [event(run, 2)],
      ),
    ]);

  describe("runs on no thread", () => {
    const row = async (runId: string) => (await pool.query(STATELESS_ROW, [runId])).rows[0];
    const withMetadata = (i: number): StoredRun => {
      const run = storedRun({ agent_id: `agent-${i % 3}` });
      return { ...run, creation: { ...run.creation, metadata: { n: i, tag: "batch" } } };
    };

    it("stores the runs created in one turn in one statement, each as it would be alone", async () => {
      const runs = Array.from({ length: 12 }, (_, i) => withMetadata(i));
      // Half of them claimed by replica 7 (executed where created), half queued.
      const owner = (i: number) => (i % 2 === 0 ? 7 : undefined);
      const answers = await Promise.all(
        runs.map((run, i) => store.insertQueued(run, { kind: "input" }, undefined, owner(i))),
      );
      expect(answers).toEqual(runs.map(() => undefined));
      expect(counter.statements).toHaveLength(1);

      // The same runs stored one at a time, for the rows the store writes alone.
      const alone = Array.from({ length: 2 }, (_, i) => withMetadata(i));
      for (const [i, run] of alone.entries()) {
        await store.insertQueued(run, { kind: "input" }, undefined, owner(i));
      }
      expect(counter.statements).toHaveLength(3);
      for (const [i, run] of runs.entries()) {
        const twin = alone[i % 2] as StoredRun;
        const {
          created_at: _c,
          updated_at: _u,
          agent_id: _a,
          meta,
          ...rest
        } = await row(run.run_id);
        const {
          created_at: _tc,
          updated_at: _tu,
          agent_id: _ta,
          meta: _tm,
          ...expected
        } = await row(twin.run_id);
        expect(rest).toEqual(expected);
        // The metadata's index: each key with its value's JSON text.
        expect([...meta].sort()).toEqual([
          JSON.stringify(["n", JSON.stringify(i)]),
          JSON.stringify(["tag", JSON.stringify("batch")]),
        ]);
        expect(await store.get(run.run_id)).toEqual(run);
      }
      // A search by metadata reads the batch's index as it reads a run stored alone.
      const found = await store.search({ metadata: { tag: "batch", n: 4 }, limit: 10, offset: 0 });
      expect(found.map((r) => r.run_id)).toEqual([runs[4]?.run_id]);
      // Every run announced on the runs channel, the queued ones on the queue channel too.
      await vi.waitUntil(() => heard.runs.length === 14, { timeout: 5000, interval: 10 });
      expect(heard.runs.slice(0, 12).sort()).toEqual(runs.map((r) => r.run_id).sort());
      const queued = runs.filter((_, i) => owner(i) === undefined).map((r) => r.run_id);
      expect(heard.queue.slice(0, queued.length).sort()).toEqual(queued.sort());
    });

    it("fails only the run refused by the database, storing the others of its turn", async () => {
      const taken = storedRun();
      await store.insertQueued(taken, { kind: "input" }, undefined, undefined);
      const fresh = Array.from({ length: 5 }, () => storedRun());
      counter.reset();
      const answers = await Promise.allSettled([
        ...fresh.slice(0, 2).map((run) => store.insertQueued(run, { kind: "input" }, undefined, 7)),
        store.insertQueued({ ...taken }, { kind: "input" }, undefined, 7),
        ...fresh.slice(2).map((run) => store.insertQueued(run, { kind: "input" }, undefined, 7)),
      ]);
      expect(answers.map((a) => a.status)).toEqual([
        "fulfilled",
        "fulfilled",
        "rejected",
        "fulfilled",
        "fulfilled",
        "fulfilled",
      ]);
      const refused = answers[2] as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(StoreConflictError);
      expect((refused.reason as Error).message).toContain(taken.run_id);
      // The batch, refused whole, then each run alone.
      expect(counter.statements).toHaveLength(7);
      for (const run of fresh) expect((await row(run.run_id))?.owner).toBe(7);
    });

    /** `count` runs stored claimed by replica 7, execution 1. */
    const claimedRuns = async (count: number) => {
      const runs = Array.from({ length: count }, () => storedRun());
      await Promise.all(
        runs.map((run) => store.insertQueued(run, { kind: "input" }, undefined, 7)),
      );
      return runs;
    };

    it("writes the ends of one turn in one statement, each only while its execution owns it", async () => {
      const runs = await claimedRuns(10);
      await vi.waitUntil(() => heard.runs.length === 10, { timeout: 5000, interval: 10 });
      counter.reset();
      await heard.clear();
      const ended = (run: StoredRun) => ({
        ...run,
        status: "success" as const,
        updated_at: "2030-01-01T00:00:00.000Z",
      });
      const answers = await Promise.all(
        runs.map((run, i) =>
          // Run 3's write comes from an execution that no longer owns it (attempt 2).
          store.updateOwned(ended(run), 7, i === 3 ? 2 : 1, true, undefined, [
            event(run, 1),
            event(run, 2),
          ]),
        ),
      );
      expect(answers).toEqual(runs.map((_, i) => (i === 3 ? false : { pushConfigs: false })));
      expect(counter.statements).toHaveLength(1);
      for (const [i, run] of runs.entries()) {
        const stored = await row(run.run_id);
        const events = (await store.readEvents(run.run_id, 0, 10)).map((e) => e.id);
        if (i === 3) {
          expect(stored).toMatchObject({ status: "pending", owner: 7, finished: false });
          expect(events).toEqual([]);
        } else {
          expect(stored).toMatchObject({ status: "success", owner: null, finished: true });
          expect(events).toEqual([1, 2]);
          expect(await store.get(run.run_id)).toEqual(ended(run));
        }
      }
      await vi.waitUntil(() => heard.runs.length === 9, { timeout: 5000, interval: 10 });
      expect(heard.runs.sort()).toEqual(
        runs
          .filter((_, i) => i !== 3)
          .map((r) => r.run_id)
          .sort(),
      );
      // A push config counted on a run is reported by its write in a batch too.
      await pool.query("UPDATE acp.runs SET push_configs = 1 WHERE run_id = $1", [runs[3]?.run_id]);
      const late = await Promise.all([
        store.updateOwned(ended(runs[3] as StoredRun), 7, 1, true),
        store.updateOwned(ended(runs[0] as StoredRun), 7, 1, true),
      ]);
      expect(late).toEqual([{ pushConfigs: true }, false]);
    });

    it("keeps the order of two writes of one run asked for in one turn", async () => {
      const [run] = (await claimedRuns(1)) as [StoredRun];
      const [other] = (await claimedRuns(1)) as [StoredRun];
      counter.reset();
      const answers = await twoWritesAndAnother(run, other);
      expect(answers).toEqual([
        { pushConfigs: false },
        { pushConfigs: false },
        { pushConfigs: false },
      ]);
      // The first two together, the run's second write in the next batch.
      expect(counter.statements).toHaveLength(2);
      expect(await row(run.run_id)).toMatchObject({ status: "error", owner: null });
      expect((await store.readEvents(run.run_id, 0, 10)).map((e) => e.id)).toEqual([1, 2]);
      expect((await row(other.run_id))?.status).toBe("success");
    });

    it("writes a run on a thread with the runs on no thread of its turn", async () => {
      const run = storedRun({ thread_id: randomUUID() });
      const runs = await claimedRuns(2);
      counter.reset();
      const answers = await Promise.all([
        store.updateOwned({ ...run }, 7, 1, true),
        ...runs.map((r) => store.updateOwned({ ...r, status: "success" }, 7, 1, true)),
      ]);
      // The run on a thread is not stored: its write alone finds nothing, the others are written.
      expect(answers).toEqual([false, { pushConfigs: false }, { pushConfigs: false }]);
      expect(counter.statements).toHaveLength(1);
    });
  });

  describe("runs that claim their thread", () => {
    it("stores the runs of one turn and their claims in one statement, each as alone", async () => {
      const ids = await newThreads(8);
      const holder = storedRun();
      await pool.query("UPDATE acp.threads SET busy_run_id = $2 WHERE thread_id = $1", [
        ids[6],
        holder.run_id,
      ]);
      await pool.query("UPDATE acp.threads SET busy_run_id = $2 WHERE thread_id = $1", [
        ids[5],
        holder.run_id,
      ]);
      const missing = randomUUID();
      const runs = ids.map(onThread);
      const ghost = onThread(missing);
      counter.reset();
      // Threads 0-4 free (0, 2, 4 executed here by replica 7), thread 5 held by the run
      // this one is queued behind, thread 6 held by another run, and a thread not stored.
      const answers = await Promise.all([
        ...runs
          .slice(0, 5)
          .map((run, i) =>
            store.insertQueued(
              run,
              input,
              { threadId: run.thread_id as string },
              i % 2 ? undefined : 7,
            ),
          ),
        store.insertQueued(
          runs[5] as StoredRun,
          input,
          {
            threadId: ids[5] as string,
            over: holder.run_id,
          },
          undefined,
        ),
        store.insertQueued(runs[6] as StoredRun, input, { threadId: ids[6] as string }, undefined),
        store.insertQueued(ghost, input, { threadId: missing }, undefined),
      ]);
      expect(answers).toEqual([...runs.slice(0, 6).map(() => undefined), holder.run_id, ""]);
      // The batch, then the holders of the refused claims, read after it.
      expect(counter.statements).toHaveLength(2);

      // The same runs stored one at a time, for the rows the store writes alone.
      const twins = await newThreads(2);
      for (const [i, threadId] of twins.entries()) {
        await store.insertQueued(onThread(threadId), input, { threadId }, i % 2 ? undefined : 7);
      }
      const twinRows = await Promise.all(
        twins.map(async (threadId) => {
          const { rows } = await pool.query("SELECT run_id FROM acp.runs WHERE thread_id = $1", [
            threadId,
          ]);
          return runRow(rows[0].run_id);
        }),
      );
      for (const [i, run] of runs.slice(0, 5).entries()) {
        expect(await runRow(run.run_id)).toEqual({ ...twinRows[i % 2], thread_id: run.thread_id });
        expect((await threadRow(run.thread_id as string))?.busy_run_id).toBe(run.run_id);
        expect(await store.get(run.run_id)).toEqual(run);
      }
      expect(await runRow(runs[5]?.run_id as string)).toMatchObject({
        queued: true,
        owner: null,
        after_run: holder.run_id,
      });
      expect((await threadRow(ids[5] as string))?.busy_run_id).toBe(runs[5]?.run_id);
      // The refused claims stored nothing and took nothing.
      expect(await runRow(runs[6]?.run_id as string)).toBeUndefined();
      expect(await runRow(ghost.run_id)).toBeUndefined();
      expect((await threadRow(ids[6] as string))?.busy_run_id).toBe(holder.run_id);
      // Every stored run announced on the runs channel, the queued ones on the queue channel.
      const stored = runs.slice(0, 6).map((r) => r.run_id);
      await vi.waitUntil(() => heard.runs.length === 8, { timeout: 5000, interval: 10 });
      expect(heard.runs.slice(0, 6).sort()).toEqual([...stored].sort());
      expect(heard.queue.slice(0, 3).sort()).toEqual(
        [runs[1], runs[3], runs[5]].map((r) => r?.run_id).sort(),
      );
    });

    it("claims one thread for one run of a turn, the next answered the holder", async () => {
      const [threadId] = (await newThreads(1)) as [string];
      const [otherId] = (await newThreads(1)) as [string];
      const first = onThread(threadId);
      const second = onThread(threadId);
      const other = onThread(otherId);
      counter.reset();
      const answers = await Promise.all([
        store.insertQueued(first, input, { threadId }, 7),
        store.insertQueued(other, input, { threadId: otherId }, 7),
        store.insertQueued(second, input, { threadId }, 7),
      ]);
      expect(answers).toEqual([undefined, undefined, first.run_id]);
      // The first two together; the second on the thread in the next batch, then its holder read.
      expect(counter.statements).toHaveLength(3);
      expect((await threadRow(threadId))?.busy_run_id).toBe(first.run_id);
      expect(await runRow(second.run_id)).toBeUndefined();
    });

    it("fails only the run refused by the database, its claim undone", async () => {
      const ids = await newThreads(4);
      const taken = onThread(ids[0] as string);
      await store.insertQueued(taken, input, undefined, undefined);
      const runs = ids.map(onThread);
      counter.reset();
      const answers = await Promise.allSettled([
        store.insertQueued({ ...taken }, input, { threadId: ids[0] as string }, 7),
        ...runs
          .slice(1)
          .map((run) => store.insertQueued(run, input, { threadId: run.thread_id as string }, 7)),
      ]);
      expect(answers.map((a) => a.status)).toEqual([
        "rejected",
        "fulfilled",
        "fulfilled",
        "fulfilled",
      ]);
      const refused = answers[0] as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(StoreConflictError);
      expect((refused.reason as Error).message).toContain(taken.run_id);
      // The batch, refused whole, then each run alone.
      expect(counter.statements).toHaveLength(5);
      for (const run of runs.slice(1)) {
        expect(await runRow(run.run_id)).toMatchObject({ owner: 7, attempt: 1 });
        expect((await threadRow(run.thread_id as string))?.busy_run_id).toBe(run.run_id);
      }
      // The refused run's claim of its thread was undone with it, as it would be alone.
      expect((await threadRow(ids[0] as string))?.busy_run_id).toBeNull();
    });
  });

  describe("owned writes of runs on a thread", () => {
    it("writes the ends of one turn in one statement, freeing each thread its run holds", async () => {
      const ids = await newThreads(6);
      const runs = ids.map(onThread);
      await Promise.all(
        runs.map((run) => store.insertQueued(run, input, { threadId: run.thread_id as string }, 7)),
      );
      // A run queued on thread 1 behind its run: that run's end is announced on the queue.
      const behind = onThread(ids[1] as string);
      expect(
        await store.insertQueued(
          behind,
          input,
          { threadId: ids[1] as string, over: runs[1]?.run_id },
          undefined,
        ),
      ).toBeUndefined();
      // Thread 2 held by another run since: its run's end leaves it held.
      const other = storedRun();
      await pool.query("UPDATE acp.threads SET busy_run_id = $2 WHERE thread_id = $1", [
        ids[2],
        other.run_id,
      ]);
      await vi.waitUntil(() => heard.runs.length === 7, { timeout: 5000, interval: 10 });
      await heard.clear();
      counter.reset();
      const at = "2030-01-01T00:00:00.000Z";
      const answers = await Promise.all(
        runs.map((run, i) =>
          // Run 3's write comes from an execution that no longer owns it (attempt 2).
          store.updateOwned(
            { ...run, status: "success", updated_at: at },
            7,
            i === 3 ? 2 : 1,
            true,
            { threadId: run.thread_id as string, status: i === 4 ? "error" : "idle" },
            [event(run, 1), event(run, 2)],
          ),
        ),
      );
      expect(answers).toEqual(runs.map((_, i) => (i === 3 ? false : { pushConfigs: false })));
      expect(counter.statements).toHaveLength(1);
      for (const [i, run] of runs.entries()) {
        const events = (await store.readEvents(run.run_id, 0, 10)).map((e) => e.id);
        const thread = await threadRow(run.thread_id as string);
        if (i === 3) {
          expect(await runRow(run.run_id)).toMatchObject({ status: "pending", owner: 7 });
          expect(events).toEqual([]);
          expect(thread?.busy_run_id).toBe(run.run_id);
        } else {
          expect(await runRow(run.run_id)).toMatchObject({
            status: "success",
            owner: null,
            finished: true,
          });
          expect(events).toEqual([1, 2]);
          if (i === 1) expect(thread?.busy_run_id).toBe(behind.run_id);
          else if (i === 2) expect(thread?.busy_run_id).toBe(other.run_id);
          else
            expect(thread).toEqual({
              status: i === 4 ? "error" : "idle",
              updated_at: at,
              busy_run_id: null,
            });
        }
      }
      // Each written run announced; only run 1's end on the queue channel (its thread has a queued run).
      await vi.waitUntil(() => heard.runs.length === 5, { timeout: 5000, interval: 10 });
      expect([...heard.runs].sort()).toEqual(
        runs
          .filter((_, i) => i !== 3)
          .map((r) => r.run_id)
          .sort(),
      );
      await vi.waitUntil(() => heard.queue.length === 1, { timeout: 5000, interval: 10 });
      expect(heard.queue).toEqual([runs[1]?.run_id]);
    });

    it("keeps the order of one thread's writes asked for in one turn, and reports push configs", async () => {
      const ids = await newThreads(2);
      const [run, other] = ids.map(onThread) as [StoredRun, StoredRun];
      for (const r of [run, other]) {
        await store.insertQueued(r, input, { threadId: r.thread_id as string }, 7);
      }
      await pool.query("UPDATE acp.runs SET push_configs = 1 WHERE run_id = $1", [other.run_id]);
      counter.reset();
      const answers = await twoWritesAndAnother(run, other, {
        run: { threadId: run.thread_id as string, status: "error" },
        other: { threadId: other.thread_id as string, status: "idle" },
      });
      expect(answers).toEqual([
        { pushConfigs: false },
        { pushConfigs: true },
        { pushConfigs: false },
      ]);
      // The first two together, the run's second write in the next batch.
      expect(counter.statements).toHaveLength(2);
      expect(await runRow(run.run_id)).toMatchObject({ status: "error", owner: null });
      expect((await store.readEvents(run.run_id, 0, 10)).map((e) => e.id)).toEqual([1, 2]);
      expect(await threadRow(run.thread_id as string)).toMatchObject({
        status: "error",
        busy_run_id: null,
      });
      expect(await threadRow(other.thread_id as string)).toMatchObject({
        status: "idle",
        busy_run_id: null,
      });
    });
  });

  describe("threads read and patched", () => {
    it("reads the threads asked for in one turn in one statement, each as alone", async () => {
      const ids = await newThreads(5);
      const holder = storedRun();
      await pool.query("UPDATE acp.threads SET busy_run_id = $2 WHERE thread_id = $1", [
        ids[1],
        holder.run_id,
      ]);
      const asked = [...ids, randomUUID(), ids[0] as string];
      counter.reset();
      const read = await Promise.all(asked.map((id) => threads.get(id)));
      expect(counter.statements).toHaveLength(1);
      const alone = [];
      for (const id of asked) alone.push(await threads.get(id));
      expect(counter.statements).toHaveLength(1 + asked.length);
      expect(read).toEqual(alone);
      expect(read[1]?.busy_run_id).toBe(holder.run_id);
      expect(read[5]).toBeUndefined();
      expect(read[6]?.thread_id).toBe(ids[0]);
    });

    it("patches the threads of one turn in one statement, a patch of a thread changed since its read read again", async () => {
      const ids = await newThreads(4, false);
      const holder = storedRun();
      await pool.query("UPDATE acp.threads SET busy_run_id = $2 WHERE thread_id = $1", [
        ids[2],
        holder.run_id,
      ]);
      counter.reset();
      const patched = await Promise.all([
        ...ids.map((id, i) => threads.patch(id, { metadata: { n: i } })),
        // A second patch of thread 0 in the turn: it read the thread before the first wrote.
        threads.patch(ids[0] as string, { status: "interrupted" }),
        threads.patch(randomUUID(), { status: "idle" }),
      ]);
      // One read, one write for the four, the second patch of thread 0 refused (its
      // thread changed since its read), read again and written alone.
      expect(counter.statements).toHaveLength(5);
      expect(patched[0]).toMatchObject({ thread_id: ids[0], metadata: { n: 0 }, status: "idle" });
      expect(patched[2]).toMatchObject({ metadata: { n: 2 }, busy_run_id: holder.run_id });
      expect(patched[4]).toMatchObject({ metadata: { n: 0 }, status: "interrupted" });
      expect(patched[5]).toBeUndefined();
      for (const [i, id] of ids.entries()) {
        const stored = await threads.get(id);
        expect(stored?.metadata).toEqual({ n: i });
        expect(stored?.status).toBe(i === 0 ? "interrupted" : "idle");
        // The metadata index written by the batch finds it, as one written alone.
        const found = await threads.search({ metadata: { n: i }, limit: 10, offset: 0 });
        expect(found.map((t) => t.thread_id)).toContain(id);
      }
    });
  });

  describe("the checkpointer's puts and writes of different threads", () => {
    /** A thread's rows in the checkpointer's tables, without its id. */
    const rowsOf = (threadId: string) => checkpointRowsOf(pool, SCHEMA, threadId);
    const checkpoint = (id: string, text: string): Checkpoint => ({
      v: 4,
      id,
      ts: "2030-01-01T00:00:00.000Z",
      channel_values: { log: [text, "with a \u0000 NUL"], empty: undefined },
      channel_versions: { log: `${id}.v`, empty: "1.e" },
      versions_seen: { step: { log: "1.v" } },
    });
    const metadata: CheckpointMetadata = { source: "loop", step: 1, parents: {} };
    const at = (thread: string, ns = "", checkpointId?: string) => ({
      configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: checkpointId },
    });
    /** The calls of one thread: two checkpoints, the second under the first, with writes. */
    const history = async (saver: PostgresSaver, thread: string, ns = "") => {
      const first = checkpoint("1f000000-0000-6000-8000-000000000001", "first");
      await saver.put(at(thread, ns), first, metadata, first.channel_versions);
      const second = checkpoint("1f000000-0000-6000-8000-000000000002", "again");
      return saver.put(at(thread, ns, first.id), second, { ...metadata, step: 2 }, { log: "2.v" });
    };
    const putStatements = () =>
      counter.statements.filter((s) => /INSERT INTO "acp"\.checkpoint_blobs/.test(s));
    const writeStatements = () =>
      counter.statements.filter((s) => /INSERT INTO "acp"\.checkpoint_writes/.test(s));

    it("stores the puts of one turn in one statement, with the rows LangGraph's saver writes", async () => {
      const names = Array.from({ length: 6 }, (_, i) => `put-${i}-${randomUUID()}`);
      await Promise.all(names.map((thread) => history(theirs, `${thread}-theirs`, "ns")));
      counter.reset();
      const answers = await Promise.all(names.map((thread) => history(ours, thread, "ns")));
      expect(answers).toEqual(
        names.map((thread) => at(thread, "ns", "1f000000-0000-6000-8000-000000000002")),
      );
      // Each thread's two puts in order: two statements for the six threads.
      expect(putStatements()).toHaveLength(2);
      for (const thread of names) {
        const rows = await rowsOf(thread);
        expect(rows.checkpoints).toHaveLength(2);
        expect(rows.blobs.length).toBeGreaterThan(1);
        expect(rows).toEqual(await rowsOf(`${thread}-theirs`));
      }
    });

    it("writes the task writes of one turn in one statement, replacing or keeping as alone", async () => {
      const names = Array.from({ length: 4 }, (_, i) => `writes-${i}-${randomUUID()}`);
      const calls = async (saver: PostgresSaver, thread: string) => {
        const where = at(thread, "", "c1");
        await saver.putWrites(where, [["__error__", "first failure"]], "task");
        await saver.putWrites(where, [["log", "kept"]], "task");
        await Promise.all([
          saver.putWrites(where, [["__error__", "second failure"]], "task"),
          saver.putWrites(
            where,
            [
              ["__interrupt__", "one"],
              ["__interrupt__", "two"],
            ],
            "other",
          ),
        ]);
        await saver.putWrites(
          where,
          [
            ["log", "dropped"],
            ["answer", 42],
          ],
          "task",
        );
      };
      for (const thread of names) await calls(theirs, `${thread}-theirs`);
      counter.reset();
      // The threads' calls together: each batch holds one call of every thread.
      await Promise.all(names.map((thread) => calls(ours, thread)));
      expect(writeStatements().length).toBeLessThanOrEqual(5);
      for (const thread of names) {
        const rows = await rowsOf(thread);
        expect(rows.writes.map((w) => [w.task_id, w.idx, w.channel])).toEqual([
          ["other", -3, "__interrupt__"],
          ["task", -1, "__error__"],
          ["task", 0, "log"],
          ["task", 1, "answer"],
        ]);
        expect(String(rows.writes[1]?.blob)).toContain("second failure");
        expect(String(rows.writes[2]?.blob)).toContain("kept");
        expect(rows).toEqual(await rowsOf(`${thread}-theirs`));
      }
    });

    it("reads the checkpoints asked for in one turn in one statement per kind, each as alone", async () => {
      const names = Array.from({ length: 5 }, (_, i) => `read-${i}-${randomUUID()}`);
      await Promise.all(names.map((thread) => history(ours, thread, "ns")));
      await ours.putWrites(
        at(names[0] as string, "ns", "1f000000-0000-6000-8000-000000000002"),
        [["log", "pending"]],
        "task",
      );
      const missing = `missing-${randomUUID()}`;
      const latest = [...names, missing].map((thread) => at(thread, "ns"));
      const byId = [...names, missing].map((thread) =>
        at(thread, "ns", "1f000000-0000-6000-8000-000000000001"),
      );
      counter.reset();
      const read = await Promise.all([...latest, ...byId].map((config) => ours.getTuple(config)));
      const reads = counter.statements.filter((s) => /checkpoint_writes cw/.test(s));
      expect(reads).toHaveLength(2);
      // What LangGraph's saver reads of the same threads, one read at a time.
      const expected = [];
      for (const config of [...latest, ...byId]) expected.push(await theirs.getTuple(config));
      expect(read).toEqual(expected);
      expect(read[5]).toBeUndefined();
      expect(read[0]?.checkpoint.id).toBe("1f000000-0000-6000-8000-000000000002");
      expect(read[0]?.pendingWrites).toEqual([["task", "log", "pending"]]);
      expect(read[6]?.checkpoint.id).toBe("1f000000-0000-6000-8000-000000000001");
      expect(read[6]?.checkpoint.channel_values).toEqual({ log: ["first", "with a \u0000 NUL"] });
    });

    it("fails only the put the database refuses, storing the others of its turn", async () => {
      const names = Array.from({ length: 4 }, (_, i) => `refused-${i}-${randomUUID()}`);
      const refused = names[2] as string;
      const allow = await refuseCheckpointsOf(pool, SCHEMA, refused);
      try {
        counter.reset();
        const first = checkpoint("1f000000-0000-6000-8000-000000000001", "x");
        const answers = await Promise.allSettled(
          names.map((thread) => ours.put(at(thread), first, metadata, first.channel_versions)),
        );
        expect(answers.map((a) => a.status)).toEqual([
          "fulfilled",
          "fulfilled",
          "rejected",
          "fulfilled",
        ]);
        expect(String((answers[2] as PromiseRejectedResult).reason)).toMatch(/checkpoint refused/);
        // The batch, refused whole, then each put alone.
        expect(putStatements()).toHaveLength(5);
      } finally {
        await allow();
      }
      for (const thread of names) {
        const rows = await rowsOf(thread);
        if (thread === refused) expect(rows).toEqual({ checkpoints: [], blobs: [], writes: [] });
        else expect(rows.checkpoints).toHaveLength(1);
      }
    });
  });
});
