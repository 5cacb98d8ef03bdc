import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { RecordDecoder } from "../../src/server/stores/codec.js";
import { PostgresReplica } from "../../src/server/stores/postgres/replica.js";
import { migrate } from "../../src/server/stores/postgres/schema.js";
import { PostgresRunStore, PostgresThreadStore } from "../../src/server/stores/postgres/store.js";
import type { Leg } from "../../src/server/stores/replicas.js";
import type { StoredEvent } from "../../src/server/stores/store.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { storedRun, storedThread } from "../helpers/store-suite.js";

describe.skipIf(!postgresAvailable)("PostgreSQL replicas", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  const replicas: PostgresReplica[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 8 });
    pool.on("error", () => undefined);
    await migrate(pool, "acp");
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await pool.end();
    await db.drop();
  });

  async function startReplica(): Promise<{ replica: PostgresReplica; client: () => pg.Client }> {
    let last: pg.Client | undefined;
    const replica = new PostgresReplica(
      pool,
      () => {
        last = new pg.Client({ connectionString: db.url });
        return last;
      },
      "acp",
    );
    await replica.start(() => undefined);
    replicas.push(replica);
    return { replica, client: () => last as pg.Client };
  }

  /** Stores a pending run queued to execute from `leg`. */
  async function insertRun(leg: Leg = { kind: "input" }): Promise<string> {
    const runId = randomUUID();
    await pool.query(
      `INSERT INTO acp.runs (run_id, agent_id, status, created_at, updated_at, finished, meta, record, queued, leg)
       VALUES ($1, 'a', 'pending', now()::text, now()::text, false, '{}', '{}', true, $2)`,
      [runId, JSON.stringify(leg)],
    );
    return runId;
  }

  const nextNotice = (subscribe: (wake: () => void) => () => void) =>
    new Promise<void>((resolve) => {
      const unsubscribe = subscribe(() => {
        unsubscribe();
        resolve();
      });
    });

  it("hands each queued run to exactly one of three replicas claiming at once", async () => {
    const three = await Promise.all([startReplica(), startReplica(), startReplica()]);
    const runs = await Promise.all(Array.from({ length: 60 }, () => insertRun()));
    const claimed = await Promise.all(
      three.map(async ({ replica }) => {
        const mine: string[] = [];
        for (let c = await replica.claim(); c; c = await replica.claim()) mine.push(c.runId);
        return mine;
      }),
    );
    expect(claimed.flat().sort()).toEqual([...runs].sort());
    const { rows } = await pool.query(
      "SELECT count(DISTINCT owner)::int AS owners, bool_or(queued) AS queued FROM acp.runs",
    );
    expect(rows[0]).toEqual({ owners: claimed.filter((c) => c.length > 0).length, queued: false });
  });

  it("carries run changes and cancel requests from one replica to another", async () => {
    const [a, b] = await Promise.all([startReplica(), startReplica()]);
    const runId = await insertRun();
    const changed = nextNotice((wake) => b.replica.onRunChange(runId, wake));
    await pool.query("SELECT pg_notify('acp_runs', $1)", [runId]);
    await changed;

    const cancels: Array<[string, string]> = [];
    const heard = new Promise<void>((resolve) =>
      b.replica.onCancel((id, action) => {
        cancels.push([id, action]);
        resolve();
      }),
    );
    await a.replica.requestCancel(runId, "rollback");
    await heard;
    expect(cancels).toEqual([[runId, "rollback"]]);
  });

  it("queues the runs of a replica whose connection died, once, for the living to take over", async () => {
    const [dying, alive, other] = await Promise.all([
      startReplica(),
      startReplica(),
      startReplica(),
    ]);
    const runs = [
      await insertRun({ kind: "resume", resume: 1 }),
      await insertRun({ kind: "resume", resume: 1 }),
    ];
    const first = await dying.replica.claim(runs[0]);
    const second = await dying.replica.claim(runs[1]);
    expect([first?.runId, second?.runId].sort()).toEqual([...runs].sort());
    // Alive: its lock is held, nothing is taken from it.
    expect(await alive.replica.sweep()).toEqual([]);

    // The process dies: its socket closes without a goodbye.
    (
      dying.client() as unknown as { connection: { stream: { destroy(): void } } }
    ).connection.stream.destroy();
    // Until PostgreSQL sees the connection gone, its lock holds and a sweep finds nothing.
    let requeued: string[] = [];
    await vi.waitUntil(
      async () => {
        const swept = await Promise.all([alive.replica.sweep(), other.replica.sweep()]);
        requeued = swept.flat();
        return requeued.length > 0;
      },
      { timeout: 5_000, interval: 100 },
    );
    expect(requeued.sort()).toEqual([...runs].sort());
    const taken = await alive.replica.claim(first?.runId);
    expect(taken).toMatchObject({ attempt: 2, leg: { kind: "resume", resume: 1 } });
    // The dead execution may not write the run any more; the new one may.
    const store = new PostgresRunStore(Promise.resolve(pool), "acp", new RecordDecoder(console));
    const run = storedRun({ run_id: taken?.runId as string });
    const event = (id: number, who: string): StoredEvent => ({
      id,
      data: { type: "custom", run_id: run.run_id, status: "pending", update: { who } },
    });
    // Nor append to its event log, which the new execution goes on with.
    expect(await store.appendEventsOwned(run.run_id, [event(1, "dead")], dying.replica.id, 1)).toBe(
      false,
    );
    expect(
      await store.appendEventsOwned(run.run_id, [event(1, "alive")], alive.replica.id, 2),
    ).toBe(true);
    expect((await store.readEvents(run.run_id, 0, 10)).map((e) => e.data)).toEqual([
      event(1, "alive").data,
    ]);
    expect(await store.updateOwned(run, dying.replica.id, 1, true)).toBe(false);
    expect(await store.updateOwned(run, alive.replica.id, 2, true)).toEqual({ pushConfigs: false });
  });

  it("frees a thread at its run's end whatever its record holds (a NUL in metadata)", async () => {
    const { replica } = await startReplica();
    const decoder = new RecordDecoder(console);
    const runs = new PostgresRunStore(Promise.resolve(pool), "acp", decoder);
    const threads = new PostgresThreadStore(Promise.resolve(pool), "acp", decoder);
    const thread = storedThread({ metadata: { note: "a\u0000b" } });
    await threads.create(thread);
    const run = storedRun({ thread_id: thread.thread_id });
    const holder = await runs.insertQueued(
      run,
      { kind: "input" },
      { threadId: thread.thread_id },
      replica.id,
    );
    expect(holder).toBeUndefined();
    expect((await threads.get(thread.thread_id))?.busy_run_id).toBe(run.run_id);
    const ended = { ...run, status: "success" as const, updated_at: "2030-01-01T00:00:00.000Z" };
    expect(
      await runs.updateOwned(ended, replica.id, 1, true, {
        threadId: thread.thread_id,
        status: "idle",
      }),
    ).toEqual({ pushConfigs: false });
    const freed = await threads.get(thread.thread_id);
    expect(freed?.busy_run_id).toBeUndefined();
    expect(freed?.status).toBe("idle");
    expect(freed?.updated_at).toBe("2030-01-01T00:00:00.000Z");
    expect(freed?.metadata).toEqual({ note: "a\u0000b" });
  });
});
