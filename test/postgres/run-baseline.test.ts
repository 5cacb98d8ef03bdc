/**
 * A thread run's baseline (the thread's latest checkpoint before the run, which a
 * rollback returns to and a replica taking the run over starts from) on the PostgreSQL
 * store: named in the statement that stores the run and claims its thread, so the run's
 * execution neither reads nor writes it first; and, when that statement's claim raced a
 * write of the thread, read by the execution as before, never taken from a snapshot
 * that misses a checkpoint. Its head (the thread's latest checkpoint when it ended, which
 * a rollback checks nothing followed) is named in the write of its end.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ACPClient, ApiClientConfiguration } from "../../src/index.js";
import { postgresStore } from "../../src/server/index.js";
import {
  createTestDatabase,
  postgresAvailable,
  startPostgresReplica,
  type TestDatabase,
} from "../helpers/postgres.js";
import { agentIds, memoryLogger, startACPServer, type TestACPServer } from "../helpers/server.js";

/** How long a poll may wait for what another replica or connection does. */
const patiently = { timeout: 15_000, interval: 25 };

/** The thread's latest checkpoint in the root namespace, read as the store reads it. */
async function headOf(client: pg.Client, threadId: string): Promise<string | undefined> {
  const { rows } = await client.query<{ checkpoint_id: string }>(
    `SELECT checkpoint_id FROM acp.checkpoints WHERE thread_id = $1 AND checkpoint_ns = ''
     ORDER BY checkpoint_id DESC LIMIT 1`,
    [threadId],
  );
  return rows[0]?.checkpoint_id;
}

/** The run's stored record. */
async function storedRecord(
  client: pg.Client,
  runId: string,
): Promise<{ baseline?: unknown; head?: unknown }> {
  const { rows } = await client.query<{ record: string }>(
    "SELECT record FROM acp.runs WHERE run_id = $1",
    [runId],
  );
  return JSON.parse((rows[0] as { record: string }).record) as {
    baseline?: unknown;
    head?: unknown;
  };
}

/** The baseline in the run's stored record. */
async function storedBaseline(client: pg.Client, runId: string): Promise<unknown> {
  return (await storedRecord(client, runId)).baseline;
}

describe.skipIf(!postgresAvailable)("a thread run's baseline on the PostgreSQL store", () => {
  let db: TestDatabase;
  let sql: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    sql = new pg.Client({ connectionString: db.url });
    sql.on("error", () => undefined);
    await sql.connect();
  });
  afterEach(async () => {
    await sql.end().catch(() => undefined);
  });

  describe("stored with the run", () => {
    let leaving: TestACPServer;
    let staying: TestACPServer;

    beforeEach(async () => {
      leaving = await startPostgresReplica(db.url);
      staying = await startPostgresReplica(db.url);
    });
    afterEach(async () => {
      for (const server of [leaving, staying]) server.gate.release();
      await Promise.all([leaving.close(), staying.close()]);
    });

    it("is the thread's head when the run is created, and a takeover goes on from it", async () => {
      const client = new ACPClient({
        configuration: new ApiClientConfiguration({ host: leaving.url }),
      });
      const other = new ACPClient({
        configuration: new ApiClientConfiguration({ host: staying.url }),
      });
      try {
        const thread = await client.createThread({});
        // A first run, executed by the replica that stays (its gate open from now on).
        staying.gate.release();
        await other.createAndWaitForThreadRunOutput(thread.thread_id, {
          agent_id: agentIds.slow,
          input: { text: "first" },
        });
        const head = await headOf(sql, thread.thread_id);
        expect(head).toMatch(/\S/);

        const run = await client.createThreadRun(thread.thread_id, {
          agent_id: agentIds.slow,
          input: { text: "kept" },
        });
        // Created on the leaving replica, which had a worker free: it executes there.
        await leaving.gate.waitForStarted(1);
        expect(await storedBaseline(sql, run.run_id)).toBe(head);

        // The replica leaves mid-run; the other one takes the run over from its
        // checkpoints: its input is not given to the graph a second time.
        await leaving.close();
        await staying.gate.waitForStarted(2);
        const done = await other.waitForThreadRunOutput(thread.thread_id, run.run_id);
        expect(done.run?.status).toBe("success");
        expect(done.output).toMatchObject({
          values: { reply: "done: kept", history: ["first", "kept"] },
        });
        expect(await storedBaseline(sql, run.run_id)).toBe(head);
      } finally {
        await client.close();
        await other.close();
      }
    });
  });

  describe("on one server", () => {
    let running: TestACPServer;
    let client: ACPClient;

    beforeEach(async () => {
      const logger = memoryLogger();
      running = await startACPServer({
        store: postgresStore(db.url, { logger, pollIntervalMs: 600_000, sweepIntervalMs: 600_000 }),
        logger,
      });
      client = new ACPClient({ configuration: new ApiClientConfiguration({ host: running.url }) });
    });
    afterEach(async () => {
      await client.close();
      await running.close();
    });

    it("stores the run's baseline and, with its end, its head (rollbacks: test/runs/rollback.test.ts)", async () => {
      const thread = await client.createThread({});
      await client.createAndWaitForThreadRunOutput(thread.thread_id, {
        agent_id: agentIds.echo,
        input: { text: "first" },
      });
      const before = await headOf(sql, thread.thread_id);
      const second = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
        agent_id: agentIds.echo,
        input: { text: "second" },
      });
      const runId = second.run?.run_id as string;
      const after = await headOf(sql, thread.thread_id);
      expect(after).not.toBe(before);
      expect(await storedRecord(sql, runId)).toMatchObject({ baseline: before, head: after });
    });

    it("is read when the run executes after a claim that raced a write of the thread", async () => {
      const thread = await client.createThread({});
      await client.createAndWaitForThreadRunOutput(thread.thread_id, {
        agent_id: agentIds.echo,
        input: { text: "first" },
      });
      const head = (await headOf(sql, thread.thread_id)) as string;

      // Another connection holds the thread's row while it stores a newer checkpoint
      // (a copy of the head under a later id), as a write of the thread would.
      const later = `${head}z`;
      await sql.query("BEGIN");
      await sql.query("UPDATE acp.threads SET updated_at = updated_at WHERE thread_id = $1", [
        thread.thread_id,
      ]);
      await sql.query(
        `INSERT INTO acp.checkpoints
           (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
         SELECT thread_id, checkpoint_ns, $2, checkpoint_id,
           jsonb_set(checkpoint, '{id}', to_jsonb($2::text)), metadata
         FROM acp.checkpoints WHERE thread_id = $1 AND checkpoint_id = $3`,
        [thread.thread_id, later, head],
      );
      const waiting = client.createAndWaitForThreadRunOutput(thread.thread_id, {
        agent_id: agentIds.echo,
        input: { text: "second" },
      });
      // The run's statement took its snapshot and waits for the thread's row.
      const watcher = new pg.Client({ connectionString: db.url });
      watcher.on("error", () => undefined);
      await watcher.connect();
      try {
        await vi.waitUntil(async () => {
          const { rows } = await watcher.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          return (rows[0] as { n: number }).n > 0;
        }, patiently);
      } finally {
        await watcher.end();
      }
      await sql.query("COMMIT");

      const done = await waiting;
      expect(done.run?.status).toBe("success");
      expect(done.output).toMatchObject({
        values: { reply: "echo: second", history: ["first", "second"] },
      });
      // The checkpoint stored while the claim waited is the run's baseline.
      expect(await storedBaseline(sql, done.run?.run_id as string)).toBe(later);
    });
  });
});
