import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, SCHEMA_VERSION } from "../../src/server/stores/postgres/schema.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";

describe.skipIf(!postgresAvailable)("PostgreSQL schema", () => {
  let db: TestDatabase;
  const pools: pg.Pool[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await db.drop();
  });

  const newPool = () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // Dropping the database ends the connections still open; that is expected here.
    pool.on("error", () => undefined);
    pools.push(pool);
    return pool;
  };

  it("is created once when three replicas start at the same moment, checkpointer included", async () => {
    const replicas = [newPool(), newPool(), newPool()];
    await Promise.all(
      replicas.map((pool) =>
        migrate(pool, "acp", () => new PostgresSaver(pool, undefined, { schema: "acp" }).setup()),
      ),
    );
    const check = newPool();
    const versions = await check.query("SELECT version FROM acp.migrations ORDER BY version");
    expect(versions.rows.map((r) => r.version)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    const tables = await check.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'acp' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(["checkpoints", "checkpoint_writes", "runs", "run_events", "threads"]),
    );
  });

  it("finds a thread's queued runs among the queued runs, not among all the thread's runs", async () => {
    const pool = newPool();
    await migrate(pool, "acp");
    // A thread with a long history of finished runs and one run queued behind them.
    await pool.query(
      `INSERT INTO acp.runs (run_id, thread_id, agent_id, status, created_at, updated_at,
         finished, meta, record, queued)
       SELECT 'history-' || i, 'long-thread', 'echo', 'success', '2026', '2026', true, '{}'::text[], '{}',
         false
       FROM generate_series(1, 500) i
       UNION ALL SELECT 'waiting', 'long-thread', 'echo', 'pending', '2026', '2026', false, '{}'::text[],
         '{}', true`,
    );
    // What a run's end asks before it lets the thread go: is a run queued behind it? Asked
    // before PostgreSQL has gathered the table's statistics, as in a new store's first
    // minutes (with them, PostgreSQL may look among all queued runs, also few).
    const { rows } = await pool.query(
      "EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1 FROM acp.runs q WHERE q.thread_id = $1 AND q.queued",
      ["long-thread"],
    );
    interface PlanNode {
      "Actual Rows": number;
      "Rows Removed by Filter"?: number;
      "Rows Removed by Index Recheck"?: number;
      Plans?: PlanNode[];
    }
    const rowsLookedAt = (node: PlanNode): number =>
      node["Actual Rows"] +
      (node["Rows Removed by Filter"] ?? 0) +
      (node["Rows Removed by Index Recheck"] ?? 0) +
      (node.Plans ?? []).reduce((sum, child) => sum + rowsLookedAt(child), 0);
    const plan = (rows[0] as { "QUERY PLAN": Array<{ Plan: PlanNode }> })["QUERY PLAN"][0];
    expect(plan?.Plan["Actual Rows"]).toBe(1);
    expect(rowsLookedAt(plan?.Plan as PlanNode)).toBeLessThanOrEqual(2);
    await pool.query("DELETE FROM acp.runs WHERE thread_id = 'long-thread'");
  });

  it("is left as it is by a later start", async () => {
    const pool = newPool();
    await pool.query("INSERT INTO acp.migrations (version) VALUES (1000)");
    await migrate(pool, "acp");
    const versions = await pool.query("SELECT count(*)::int AS n FROM acp.migrations");
    expect(versions.rows[0].n).toBe(SCHEMA_VERSION + 1);
  });
});
