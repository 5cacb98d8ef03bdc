import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/server/stores/errors.js";
import { postgresStore } from "../../src/server/stores/postgres.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { describeStore, storedRun } from "../helpers/store-suite.js";

describe.skipIf(!postgresAvailable)("PostgreSQL", () => {
  let db: TestDatabase;
  let admin: pg.Pool;
  let schemas = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new pg.Pool({ connectionString: db.url, max: 2 });
    admin.on("error", () => undefined);
  });
  afterAll(async () => {
    await admin.end();
    await db.drop();
  });

  // Each test gets a schema of its own in the file's database.
  describeStore("PostgreSQL", async (logger, faults) => {
    const schema = `store_${++schemas}`;
    let store = postgresStore(db.url, { schema, logger, maxConnections: 4, faults });
    await store.ready;
    return {
      store,
      async poison(kind, id) {
        const [table, column] = kind === "run" ? ["runs", "run_id"] : ["threads", "thread_id"];
        await admin.query(
          `UPDATE ${schema}.${table} SET record = substr(record, 1, 20) WHERE ${column} = $1`,
          [id],
        );
      },
      async reopen() {
        await store.close();
        store = postgresStore(db.url, { schema, logger, maxConnections: 4 });
        return store;
      },
      async dispose() {
        await store.close();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      },
    };
  });

  describe("PostgreSQL store", () => {
    it("says it cannot open a database that is not there, without its URL's password", async () => {
      const url = new URL(db.url);
      url.password = "s3cret-pw";
      url.pathname = "/no_such_database";
      const store = postgresStore(url.toString(), { logger: { warn: () => undefined } });
      const failure = await store.ready.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(StoreUnavailableError);
      expect(String((failure as Error).message)).toContain("no_such_database");
      expect(String((failure as Error).message)).not.toContain("s3cret-pw");
      await expect(store.runs.get(storedRun().run_id)).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      await store.close();
    });
  });
});
