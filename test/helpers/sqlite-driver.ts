/** The SQLite driver itself, for tests that damage rows as a crash or a hand edit would. */
import { createRequire } from "node:module";

/** The part of a better-sqlite3 database the tests use. */
export interface RawDatabase {
  prepare(sql: string): { run(...params: unknown[]): unknown; get(...params: unknown[]): unknown };
  close(): void;
}

/** Opens `file` with better-sqlite3, beside the store that uses it. */
export function openRawDatabase(file: string): RawDatabase {
  const Database = createRequire(import.meta.url)("better-sqlite3") as new (
    file: string,
  ) => RawDatabase;
  return new Database(file);
}
