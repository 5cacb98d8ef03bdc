/**
 * A SQLite file damaged inside (bytes overwritten in the middle of a page, as a
 * crash during a write or a disk fault leaves it), holding runs that were
 * executing: the store and a server refuse it at once with one
 * StoreUnavailableError that names the file and says what to do, instead of a bare
 * driver error or a recovery that fails on the same runs forever
 * (`acp serve --sqlite`: cli-sqlite-damage.test.ts).
 */
import { describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/server/stores/errors.js";
import { sqliteStore } from "../../src/server/stores/sqlite.js";
import { damage, damagedFiles } from "../helpers/damaged-sqlite.js";
import { memoryLogger, startACPServer } from "../helpers/server.js";

const files = damagedFiles();

const says = (file: string, name = "StoreUnavailableError") => ({
  name,
  message: expect.stringContaining(`the SQLite file ${file} is damaged`),
});

describe("a damaged SQLite file", () => {
  it("fails the store's first operation with a StoreUnavailableError naming the file and what to do", async () => {
    const file = await files.withRuns();
    damage(file, "acp_runs");
    const store = sqliteStore(file, { logger: memoryLogger() });
    const failure = await store.runs.search({ status: "pending", limit: 10 }).catch((e) => e);
    await store.close();
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(failure).toMatchObject(says(file));
    expect(failure.message).toContain("restore it from a backup, or move it aside");
  });

  it.each(["acp_runs", "acp_runs_by_status"])(
    "with a damaged page in %s stops a server's start with that error, before any recovery",
    async (tree) => {
      const file = await files.withRuns();
      damage(file, tree);
      const logger = memoryLogger();
      const store = sqliteStore(file, { logger });
      await expect(startACPServer({ store, logger })).rejects.toMatchObject(says(file));
      await store.close();
      expect(logger.lines).toEqual([]);
    },
  );

  it("unchecked at open, stops the start at the first statement that meets the damage, not in a loop", async () => {
    // Damage the recovery does not read (an index its search does not use) but writes
    // to as it ends the runs: the first write fails, and every use after it.
    const file = await files.withRuns();
    damage(file, "acp_runs_finished");
    const logger = memoryLogger();
    const store = sqliteStore(file, { logger, integrityCheck: "off" });
    // A StoreError, not a StoreUnavailableError: damage is not waited out and retried.
    await expect(startACPServer({ store, logger })).rejects.toMatchObject(says(file, "StoreError"));
    await expect(store.runs.get("any")).rejects.toMatchObject(says(file, "StoreError"));
    await store.close();
    // At most one line per run of the batch the recovery was ending.
    expect(logger.lines.length).toBeLessThanOrEqual(100);
    for (const line of logger.lines) expect(line).toContain(`the SQLite file ${file} is damaged`);
  });
});
