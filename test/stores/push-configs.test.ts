/**
 * The push notification configs of runs on every backend: kept per run in the order
 * first stored, replaced under their id, bounded per run, refused for a run that is not
 * stored, deleted one by one and with their run; a file keeps them across a reopen.
 * A run's write tells whether the run has configs, as they were when it was written, and
 * an older file is brought up to date with its configs counted.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore, postgresStore, type ServerStore } from "../../src/server/index.js";
import { sqliteStore } from "../../src/server/stores/sqlite.js";
import { SQLITE_SCHEMA_VERSION } from "../../src/server/stores/sqlite-schema.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { memoryLogger } from "../helpers/server.js";
import { storedRun, tick, valuesEvent } from "../helpers/store-suite.js";

const dir = mkdtempSync(join(tmpdir(), "acp-push-"));
let db: TestDatabase | undefined;
let schemas = 0;
beforeAll(async () => {
  if (postgresAvailable) db = await createTestDatabase();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

const backends: Array<[string, () => ServerStore]> = [
  ["memory", () => memoryStore()],
  ["SQLite", () => sqliteStore(":memory:")],
];
if (postgresAvailable) {
  backends.push([
    "PostgreSQL",
    () => postgresStore((db as TestDatabase).url, { schema: `push_${++schemas}` }),
  ]);
}

describe.each(backends)("push configs on %s", (_name, open) => {
  it("are kept per run, replaced under their id, bounded, and deleted", async () => {
    const store = open();
    try {
      const configs = store.pushConfigs;
      if (!configs) throw new Error("the store keeps no push configs");
      const run = storedRun();
      const other = storedRun();
      await store.runs.insert(run);
      await store.runs.insert(other);
      expect(await configs.put(crypto.randomUUID(), "a", { url: "x" }, 3)).toBe("no-run");
      expect(await configs.put(run.run_id, "b", { url: "b1" }, 2)).toBe("stored");
      expect(await configs.put(run.run_id, "a", { url: "a1" }, 2)).toBe("stored");
      // Full: a new id is refused, a kept one is replaced in its place.
      expect(await configs.put(run.run_id, "c", { url: "c1" }, 2)).toBe("full");
      expect(await configs.put(run.run_id, "b", { url: "b2", token: "t" }, 2)).toBe("stored");
      expect(await configs.put(other.run_id, "b", { url: "other" }, 2)).toBe("stored");
      expect(await configs.list(run.run_id)).toEqual([
        { id: "b", config: { url: "b2", token: "t" } },
        { id: "a", config: { url: "a1" } },
      ]);
      expect(await configs.delete(run.run_id, "b")).toBe(true);
      expect(await configs.delete(run.run_id, "b")).toBe(false);
      expect(await configs.list(run.run_id)).toEqual([{ id: "a", config: { url: "a1" } }]);
      // A run's configs go with it; another run's stay.
      await store.runs.delete(run.run_id);
      expect(await configs.list(run.run_id)).toEqual([]);
      expect(await configs.list(other.run_id)).toEqual([{ id: "b", config: { url: "other" } }]);
    } finally {
      await store.close();
    }
  });
});

describe.each(backends)("a run's write on %s", (_name, open) => {
  it("tells whether the run has push configs, as the configs stored and deleted before it", async () => {
    const store = open();
    try {
      const configs = store.pushConfigs;
      if (!configs) throw new Error("the store keeps no push configs");
      const run = storedRun();
      const other = storedRun();
      await store.runs.insert(run);
      await store.runs.insert(other);
      const write = (r = run) => store.runs.update({ ...r, updated_at: tick() });
      expect(await write()).toEqual({ pushConfigs: false });
      expect(await configs.put(run.run_id, "a", { url: "a" }, 2)).toBe("stored");
      expect(await write()).toEqual({ pushConfigs: true });
      expect(await write(other)).toEqual({ pushConfigs: false });
      // Replaced, one more, one refused: two configs, counted once each.
      expect(await configs.put(run.run_id, "a", { url: "a2" }, 2)).toBe("stored");
      expect(await configs.put(run.run_id, "b", { url: "b" }, 2)).toBe("stored");
      expect(await configs.put(run.run_id, "c", { url: "c" }, 2)).toBe("full");
      expect(await configs.delete(run.run_id, "a")).toBe(true);
      expect(await configs.delete(run.run_id, "a")).toBe(false);
      expect(await write()).toEqual({ pushConfigs: true });
      expect(await configs.delete(run.run_id, "b")).toBe(true);
      expect(await write()).toEqual({ pushConfigs: false });
      // The count was not left above the configs: the limit holds two again.
      expect(await configs.put(run.run_id, "d", { url: "d" }, 2)).toBe("stored");
      expect(await configs.put(run.run_id, "e", { url: "e" }, 2)).toBe("stored");
      expect(await configs.put(run.run_id, "f", { url: "f" }, 2)).toBe("full");
      expect(
        await store.runs.update({ ...run, status: "success", updated_at: tick() }, [
          valuesEvent(run.run_id, 1),
        ]),
      ).toEqual({ pushConfigs: true });
      await store.runs.delete(run.run_id);
      expect(await write()).toBe(false);
    } finally {
      await store.close();
    }
  });
});

describe.each(backends)("push configs put at once on %s", (_name, open) => {
  it("are counted once each: deleted, they leave the run with none", async () => {
    const store = open();
    try {
      const configs = store.pushConfigs;
      if (!configs) throw new Error("the store keeps no push configs");
      const run = storedRun();
      await store.runs.insert(run);
      const ids = ["a", "b", "c", "d", "e", "f", "a", "b", "a"];
      const outcomes = await Promise.all(
        ids.map((id, i) => configs.put(run.run_id, id, { url: `${id}${i}` }, 20)),
      );
      expect(outcomes.every((o) => o === "stored")).toBe(true);
      const kept = await configs.list(run.run_id);
      expect(kept.map((c) => c.id).sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
      for (const { id } of kept.slice(1)) expect(await configs.delete(run.run_id, id)).toBe(true);
      expect(await store.runs.update({ ...run, updated_at: tick() })).toEqual({
        pushConfigs: true,
      });
      expect(await configs.delete(run.run_id, kept[0]?.id ?? "")).toBe(true);
      expect(await store.runs.update({ ...run, updated_at: tick() })).toEqual({
        pushConfigs: false,
      });
    } finally {
      await store.close();
    }
  });
});

describe("push configs in a SQLite file", () => {
  it("are kept across a reopen, and skip a row that does not decode", async () => {
    const file = join(dir, "push.sqlite");
    const logger = memoryLogger();
    let store = sqliteStore(file, { logger });
    const run = storedRun();
    await store.runs.insert(run);
    await store.pushConfigs?.put(run.run_id, "kept", { url: "https://example.com/h" }, 5);
    await store.pushConfigs?.put(run.run_id, "broken", { url: "https://example.com/b" }, 5);
    await store.close();
    store = sqliteStore(file, { logger });
    try {
      expect(await store.pushConfigs?.list(run.run_id)).toHaveLength(2);
      const { openRawDatabase } = await import("../helpers/sqlite-driver.js");
      const raw = openRawDatabase(file);
      raw
        .prepare("UPDATE acp_a2a_push_configs SET config = '{trunc' WHERE config_id = ?")
        .run("broken");
      raw.close();
      expect(await store.pushConfigs?.list(run.run_id)).toEqual([
        { id: "kept", config: { url: "https://example.com/h" } },
      ]);
      expect(logger.lines.join("\n")).toMatch(/config broken of run .* is unreadable/);
    } finally {
      await store.close();
    }
  });

  it.each([
    ["with push configs kept", true],
    ["from before push configs", false],
  ])("brings a file written by an older release up to date (%s)", async (_case, kept) => {
    const file = join(dir, `older-${kept}.sqlite`);
    let store = sqliteStore(file);
    const withConfig = storedRun();
    const without = storedRun();
    await store.runs.insert(withConfig);
    await store.runs.insert(without);
    if (kept) await store.pushConfigs?.put(withConfig.run_id, "a", { url: "a" }, 5);
    await store.close();
    const { openRawDatabase } = await import("../helpers/sqlite-driver.js");
    let raw = openRawDatabase(file);
    // The file as the release before the count wrote it.
    raw.prepare("ALTER TABLE acp_runs DROP COLUMN push_configs").run();
    if (!kept) raw.prepare("DROP TABLE acp_a2a_push_configs").run();
    raw.prepare("PRAGMA user_version = 0").run();
    raw.close();
    store = sqliteStore(file);
    try {
      const write = (r: typeof withConfig) => store.runs.update({ ...r, updated_at: tick() });
      expect(await write(withConfig)).toEqual({ pushConfigs: kept });
      expect(await write(without)).toEqual({ pushConfigs: false });
      expect(await store.pushConfigs?.put(without.run_id, "b", { url: "b" }, 5)).toBe("stored");
      expect(await write(without)).toEqual({ pushConfigs: true });
    } finally {
      await store.close();
    }
    raw = openRawDatabase(file);
    expect(raw.prepare("PRAGMA user_version").get()).toEqual({
      user_version: SQLITE_SCHEMA_VERSION,
    });
    raw.close();
  });
});
