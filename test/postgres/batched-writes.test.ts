/**
 * The PostgreSQL store's group commit: the runs on no thread created, or written by
 * their execution, in one turn of the event loop go to the database in one statement,
 * and each is stored, announced and answered exactly as it would be alone.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { StoreConflictError } from "../../src/server/errors.js";
import { RecordDecoder } from "../../src/server/stores/codec.js";
import { migrate } from "../../src/server/stores/postgres/schema.js";
import { PostgresRunStore } from "../../src/server/stores/postgres/store.js";
import type { StoredEvent, StoredRun } from "../../src/server/stores/store.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { type HeardNotices, listenToRunChannels } from "../helpers/postgres-notices.js";
import { countStoreStatements, type StatementCounter } from "../helpers/postgres-statements.js";
import { storedRun } from "../helpers/store-suite.js";

/** The columns a run's row has besides its record, as the store wrote them. */
const ROW = `SELECT thread_id, agent_id, status, created_at, updated_at, finished, meta, queued,
  owner, attempt, leg, after_run FROM acp.runs WHERE run_id = $1`;

describe.skipIf(!postgresAvailable)("the PostgreSQL store's writes of one turn", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: PostgresRunStore;
  let counter: StatementCounter;
  let heard: HeardNotices;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 8 });
    pool.on("error", () => undefined);
    await migrate(pool, "acp");
    store = new PostgresRunStore(Promise.resolve(pool), "acp", new RecordDecoder(console));
    heard = await listenToRunChannels(db.url, "acp");
    counter = countStoreStatements();
  });
  afterAll(async () => {
    counter?.stop();
    await heard?.stop();
    await pool?.end();
    await db?.drop();
  });
  beforeEach(() => {
    counter.reset();
    heard.clear();
  });

  const row = async (runId: string) => (await pool.query(ROW, [runId])).rows[0];
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
      const { created_at: _c, updated_at: _u, agent_id: _a, meta, ...rest } = await row(run.run_id);
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
    await Promise.all(runs.map((run) => store.insertQueued(run, { kind: "input" }, undefined, 7)));
    return runs;
  };
  const event = (run: StoredRun, id: number): StoredEvent => ({
    id,
    data: { type: "custom", run_id: run.run_id, status: "pending", update: { id } },
  });

  it("writes the ends of one turn in one statement, each only while its execution owns it", async () => {
    const runs = await claimedRuns(10);
    await vi.waitUntil(() => heard.runs.length === 10, { timeout: 5000, interval: 10 });
    counter.reset();
    heard.clear();
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
    const answers = await Promise.all([
      store.updateOwned(
        { ...run, updated_at: "2030-01-01T00:00:01.000Z" },
        7,
        1,
        false,
        undefined,
        [event(run, 1)],
      ),
      store.updateOwned({ ...other, status: "success" }, 7, 1, true),
      store.updateOwned(
        { ...run, status: "error", updated_at: "2030-01-01T00:00:02.000Z" },
        7,
        1,
        true,
        undefined,
        [event(run, 2)],
      ),
    ]);
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
