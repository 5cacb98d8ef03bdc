/**
 * A thread's patch in PostgreSQL is a read and a conditional update, with no lock held
 * between them: a write that comes between the two (a run's end, which writes the
 * thread's status and time in its columns alone) is not overwritten by what the patch
 * read, and the patch is applied on top of it.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type PostgresServerStore, postgresStore } from "../../src/server/index.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { countStoreStatements } from "../helpers/postgres-statements.js";

describe.skipIf(!postgresAvailable)("a thread's patch in PostgreSQL", () => {
  let db: TestDatabase;
  let store: PostgresServerStore;
  let other: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = postgresStore(db.url, { pollIntervalMs: 600_000, sweepIntervalMs: 600_000 });
    await store.ready;
    other = new pg.Client({ connectionString: db.url });
    other.on("error", () => undefined);
    await other.connect();
  });
  afterAll(async () => {
    await other?.end().catch(() => undefined);
    await store?.close();
    await db?.drop();
  });

  it("applies its changes on top of a run's end written between its read and its write", async () => {
    const created = "2026-01-01T00:00:00.000Z";
    expect(
      await store.threads.create({
        thread_id: "t1",
        created_at: created,
        updated_at: created,
        metadata: {},
        status: "idle",
        busy_run_id: "run-1",
      }),
    ).toBe(true);
    // A run's end, held uncommitted: the patch reads the thread as it was, and its write
    // waits for this one (the only session of the database waiting for a lock).
    await other.query("BEGIN");
    await other.query(
      `UPDATE acp.threads SET status = 'error', updated_at = '2026-01-01T00:00:05.000Z',
         busy_run_id = NULL WHERE thread_id = 't1'`,
    );
    const patched = store.threads.patch("t1", { metadata: { owner: "ada" } });
    await vi.waitUntil(
      async () => {
        const { rows } = await other.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0]?.n === 1;
      },
      { timeout: 5000, interval: 20 },
    );
    await other.query("COMMIT");
    const thread = await patched;
    expect(thread).toMatchObject({
      status: "error",
      updated_at: "2026-01-01T00:00:05.000Z",
      metadata: { owner: "ada" },
    });
    expect(thread?.busy_run_id).toBeUndefined();
    expect(await store.threads.get("t1")).toEqual(thread);
  });

  /** Stores an idle thread with no metadata. */
  const createIdle = (threadId: string, created: string) =>
    store.threads.create({
      thread_id: threadId,
      created_at: created,
      updated_at: created,
      metadata: {},
      status: "idle",
    });

  it("writes a thread read a moment ago from that read, in one statement", async () => {
    await createIdle("t2", "2026-01-02T00:00:00.000Z");
    await store.threads.get("t2");
    const counter = countStoreStatements();
    try {
      const thread = await store.threads.patch("t2", { metadata: { owner: "ada" } });
      expect(thread).toMatchObject({ status: "idle", metadata: { owner: "ada" } });
      expect(counter.statements.map((s) => s.split(" ")[0])).toEqual(["UPDATE"]);
    } finally {
      counter.stop();
    }
    expect(await store.threads.get("t2")).toMatchObject({ metadata: { owner: "ada" } });
  });

  it("reads the thread again when it changed since that read, and keeps the change", async () => {
    await createIdle("t3", "2026-01-03T00:00:00.000Z");
    await store.threads.get("t3");
    // Another replica's patch after that read.
    const elsewhere = postgresStore(db.url, { pollIntervalMs: 600_000, sweepIntervalMs: 600_000 });
    try {
      await elsewhere.threads.patch("t3", { metadata: { team: "blue" } });
    } finally {
      await elsewhere.close();
    }
    const counter = countStoreStatements();
    try {
      const thread = await store.threads.patch("t3", { status: "error" });
      expect(thread).toMatchObject({ status: "error", metadata: { team: "blue" } });
      // The write from the old read, refused; the read; the write.
      expect(counter.statements.map((s) => s.split(" ")[0])).toEqual([
        "UPDATE",
        "SELECT",
        "UPDATE",
      ]);
    } finally {
      counter.stop();
    }
    expect(await store.threads.get("t3")).toMatchObject({
      status: "error",
      metadata: { team: "blue" },
    });
  });

  it("answers undefined for a thread that is not stored", async () => {
    expect(await store.threads.patch("no-such-thread", { status: "idle" })).toBeUndefined();
  });
});
