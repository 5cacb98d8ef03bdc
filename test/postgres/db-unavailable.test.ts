/**
 * A database that is away (stopped, restarting, or a connection cut under a query) is
 * a `StoreUnavailableError` from every part of the PostgreSQL store, which requests
 * answer 503 with Retry-After; and a connection that breaks while the store holds it
 * is never an unhandled 'error' event, which would end the process.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { postgresStore } from "../../src/server/index.js";
import { StoreUnavailableError } from "../../src/server/stores/errors.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import {
  postgresBinaries,
  startTestCluster,
  type TestCluster,
} from "../helpers/postgres-cluster.js";
import { agentIds, memoryLogger, raw, startACPServer } from "../helpers/server.js";
import { storedRun, storedThread } from "../helpers/store-suite.js";

/** Errors no one handled while a test ran: each would have ended a server's process. */
function watchUnhandled(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const record = (err: unknown) => void errors.push(err);
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);
  return {
    errors,
    stop() {
      process.off("uncaughtException", record);
      process.off("unhandledRejection", record);
    },
  };
}

describe.skipIf(!postgresAvailable)("a connection cut while the store holds it", () => {
  let db: TestDatabase;
  let admin: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new pg.Client({ connectionString: db.url });
    admin.on("error", () => undefined);
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await db.drop();
  });

  it("fails the write with a StoreUnavailableError, and nothing goes unhandled", async () => {
    const unhandled = watchUnhandled();
    const store = postgresStore(db.url, { logger: memoryLogger() });
    try {
      await store.ready;
      const thread = storedThread();
      await store.threads.create(thread);
      // The patch's transaction waits for the row, on a connection checked out of the pool.
      await admin.query("BEGIN");
      await admin.query("SELECT 1 FROM acp.threads WHERE thread_id = $1 FOR UPDATE", [
        thread.thread_id,
      ]);
      const patch = store.threads.patch(thread.thread_id, { metadata: { a: 1 } });
      const failure = patch.then(
        () => undefined,
        (err: unknown) => err,
      );
      await expectWaiting(admin);
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      );
      expect(await failure).toBeInstanceOf(StoreUnavailableError);
      await admin.query("ROLLBACK");
      // The pool replaces what broke: the store answers again (a first try may still be
      // handed an idle connection that was cut too, and fail as unavailable).
      const read = await vi.waitUntil(
        () =>
          store.threads.get(thread.thread_id).catch((err: unknown) => {
            expect(err).toBeInstanceOf(StoreUnavailableError);
            return undefined;
          }),
        { timeout: 10_000, interval: 10 },
      );
      expect(read).toMatchObject({ thread_id: thread.thread_id });
      // The connection's 'error' event comes after the query's failure.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled.errors).toEqual([]);
    } finally {
      unhandled.stop();
      await store.close();
    }
  });
});

/** Resolves once a session of the test database waits for a lock. */
async function expectWaiting(admin: pg.Client): Promise<void> {
  const waiting = async () => {
    const { rows } = await admin.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    return Number(rows[0]?.n) > 0;
  };
  await vi.waitUntil(waiting, { timeout: 10_000, interval: 10 }).catch((error: unknown) => {
    throw new Error("the store's transaction never waited for the lock", { cause: error });
  });
}

describe.skipIf(postgresBinaries === undefined)("a database that is stopped", () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.remove();
  });

  it("is a StoreUnavailableError from the runs, the threads and the checkpointer, and 503 over HTTP", async () => {
    const logger = memoryLogger();
    const unhandled = watchUnhandled();
    const server = await startACPServer({
      store: postgresStore(cluster.url, { logger, rejoinMaxDelayMs: 200 }),
      logger,
    });
    const store = postgresStore(cluster.url, { logger, schema: "other" });
    try {
      await store.ready;
      await cluster.stop();
      const run = storedRun();
      await expect(store.runs.insert(run)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.runs.get(run.run_id)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.threads.patch("t", { metadata: {} })).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      await expect(
        store.checkpointer.getTuple({ configurable: { thread_id: "t" } }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);

      const created = await raw(server.url, "POST", "/runs", {
        agent_id: agentIds.echo,
        input: { text: "away" },
      });
      expect(created.status, created.text).toBe(503);
      const threads = await raw(server.url, "POST", "/threads", {});
      expect(threads.status, threads.text).toBe(503);

      await cluster.start();
      // Back, it answers again (the first tries may still meet a connection being replaced).
      const answer = await vi.waitUntil(
        async () => {
          const again = await raw(server.url, "POST", "/runs/wait", {
            agent_id: agentIds.echo,
            input: { text: "back" },
          });
          expect([200, 503], again.text).toContain(again.status);
          return again.status === 200 ? again : undefined;
        },
        { timeout: 30_000, interval: 50 },
      );
      expect(answer.status).toBe(200);
      expect(unhandled.errors).toEqual([]);
    } finally {
      unhandled.stop();
      await store.close();
      await server.close();
    }
  }, 60_000);
});
