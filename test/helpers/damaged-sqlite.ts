/**
 * SQLite store files with runs left executing, as a crash leaves them, and a way
 * to damage one inside as a torn write does: for the tests of what a server and
 * `acp serve --sqlite` do with such a file.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { sqliteStore } from "../../src/server/stores/sqlite.js";
import { projectRoot } from "./acp-process.js";
import { memoryLogger } from "./server.js";
import { openRawDatabase } from "./sqlite-driver.js";
import { storedRun } from "./store-suite.js";

/** A directory of store files for the tests of one file, removed after them. */
export function damagedFiles() {
  let dir = "";
  let files = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(projectRoot, ".tmp", "sqlite-damage-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    /** The directory, for other files the test writes. */
    get dir() {
      return dir;
    },
    /** A store file with `count` runs left executing (pending), each with an event. */
    async withRuns(count = 200): Promise<string> {
      const file = join(dir, `runs-${++files}.sqlite`);
      const store = sqliteStore(file, { logger: memoryLogger() });
      for (let i = 0; i < count; i++) {
        const run = storedRun({ status: "pending" });
        await store.runs.insert(run);
        await store.runs.appendEvents(run.run_id, [
          {
            id: 1,
            data: { type: "values", run_id: run.run_id, status: "pending", values: { n: i } },
          },
        ]);
      }
      await store.close();
      return file;
    },
  };
}

/**
 * Overwrites a 512-byte sector of the second leaf page of `tree` (a table or an
 * index), where its records start, as a torn write would.
 */
export function damage(file: string, tree: string): void {
  const db = openRawDatabase(file);
  const { pageno } = db
    .prepare(
      "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 1",
    )
    .get(tree) as { pageno: number };
  const { page_size: pageSize } = db.prepare("PRAGMA page_size").get() as { page_size: number };
  db.close();
  const fd = openSync(file, "r+");
  try {
    const page = Buffer.alloc(pageSize);
    readSync(fd, page, 0, pageSize, (pageno - 1) * pageSize);
    // Bytes 5-6 of a b-tree page's header: where its cell content area starts.
    const cells = page.readUInt16BE(5);
    writeSync(fd, Buffer.alloc(512, 0xa5), 0, 512, (pageno - 1) * pageSize + cells);
  } finally {
    closeSync(fd);
  }
}
