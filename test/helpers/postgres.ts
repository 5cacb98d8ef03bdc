import { randomBytes } from "node:crypto";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { memoryStore, postgresStore, type ServerStore } from "../../src/server/index.js";
import { migrate } from "../../src/server/stores/postgres/schema.js";
import { memoryLogger, startACPServer, type TestACPServer } from "./server.js";

/**
 * The PostgreSQL server the tests may use: `ACP_TEST_POSTGRES_URL` (`.ci/run` starts
 * one and sets it). Without it the PostgreSQL tests skip, except in CI, where a
 * missing server fails the run (test/setup/postgres.ts, which also says so once).
 */
export const postgresUrl = process.env.ACP_TEST_POSTGRES_URL;

/** True when the PostgreSQL tests can run. */
export const postgresAvailable = postgresUrl !== undefined;

/** A database of its own for one test file. */
export interface TestDatabase {
  url: string;
  /** Drops the database, closing whatever is still connected to it. */
  drop(): Promise<void>;
}

/** Creates an empty database on the test server (only call when {@link postgresAvailable}). */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (postgresUrl === undefined) throw new Error("no PostgreSQL server for the tests");
  const name = `acp_test_${randomBytes(6).toString("hex")}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * A new test database with the store's schema `schema` migrated into it (LangGraph's
 * checkpoint tables with it, by its own `PostgresSaver`, which is returned), and a pool
 * of `max` connections to it.
 */
export async function migratedTestDatabase(
  schema: string,
  max: number,
): Promise<{ db: TestDatabase; pool: pg.Pool; saver: PostgresSaver }> {
  const db = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max });
  // A connection that breaks fails its query; unheard, its 'error' event would end the run.
  pool.on("error", () => undefined);
  const saver = new PostgresSaver(pool, undefined, { schema });
  await migrate(pool, schema, () => saver.setup());
  return { db, pool, saver };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  // A connection that breaks fails the query; unheard, its 'error' event would end the run.
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The stores a behaviour is tested on: memory, and PostgreSQL when its server is
 * there. Each PostgreSQL store uses a database of this file's own, created before the
 * file's tests and dropped after them (call it at the top of a test file).
 */
export function memoryAndPostgresStores(): Array<[string, () => ServerStore]> {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    if (postgresAvailable) db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  const stores: Array<[string, () => ServerStore]> = [["memory", () => memoryStore()]];
  if (postgresAvailable) {
    stores.push([
      "PostgreSQL",
      () => postgresStore((db as TestDatabase).url, { logger: { warn: () => undefined } }),
    ]);
  }
  return stores;
}

/**
 * Starts one replica of the test ACP server on the PostgreSQL database at `url`, the
 * store and the server sharing a logger of the replica's own.
 */
export function startPostgresReplica(url: string): Promise<TestACPServer> {
  const logger = memoryLogger();
  return startACPServer({ store: postgresStore(url, { logger }), logger });
}
