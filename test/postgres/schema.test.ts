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

  it("is left as it is by a later start", async () => {
    const pool = newPool();
    await pool.query("INSERT INTO acp.migrations (version) VALUES (1000)");
    await migrate(pool, "acp");
    const versions = await pool.query("SELECT count(*)::int AS n FROM acp.migrations");
    expect(versions.rows[0].n).toBe(SCHEMA_VERSION + 1);
  });
});
