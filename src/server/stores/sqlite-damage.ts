/**
 * A damaged SQLite file (a crash at the wrong moment, a disk fault, a bad copy)
 * told as what it is, the file named and what to do about it, instead of the
 * driver's bare "database disk image is malformed"; found when the file is opened,
 * before a server starts on it, and on any later statement that meets damage.
 */
import { messageOf } from "../../core/message-of.js";
import { StoreUnavailableError } from "./errors.js";

/**
 * How a SQLite store checks its file when it opens it:
 * - `"quick"`: `PRAGMA quick_check`, which reads every page and finds broken pages,
 *   records and b-trees, in about the time it takes to read the file;
 * - `"full"`: `PRAGMA integrity_check`, which also checks that every index matches
 *   its table, slower on a large file;
 * - `"off"`: no check; damage is found when a statement meets it.
 */
export type SqliteIntegrityCheck = "quick" | "full" | "off";

/** The part of a better-sqlite3 database the check uses. */
interface CheckedDatabase {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
}

/** The driver's result codes for a file that is damaged or not a database at all. */
const damageCodes = /^SQLITE_(CORRUPT|NOTADB)/;

/** True when `err` is the driver saying the file is damaged. */
export function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && damageCodes.test(code);
}

/** What to say of `filename` found damaged, `detail` saying how: the file, and what to do. */
export function damageMessage(filename: string, detail: string): string {
  return `the SQLite file ${filename} is damaged (${detail}): restore it from a backup, or move it aside together with its -wal and -shm files to start on an empty store (sqlite3's .recover may salvage what is left)`;
}

/** The error for `filename` found damaged as it is opened: the store cannot be used. */
export function damagedFile(filename: string, detail: string): StoreUnavailableError {
  return new StoreUnavailableError(damageMessage(filename, detail), "sqlite.open");
}

/**
 * Runs the check `mode` asks for on the open database `db` and throws a
 * {@link StoreUnavailableError} naming `filename` when it finds damage. Only the
 * first problem is looked for: one is enough to refuse the file.
 */
export function checkIntegrity(
  db: CheckedDatabase,
  filename: string,
  mode: SqliteIntegrityCheck,
): void {
  if (mode === "off") return;
  const pragma = mode === "full" ? "integrity_check" : "quick_check";
  let rows: unknown[];
  try {
    rows = db.prepare(`PRAGMA ${pragma}(1)`).all();
  } catch (err) {
    if (isDamage(err)) throw damagedFile(filename, messageOf(err));
    throw err;
  }
  const results = rows.map((row) => String(Object.values(row as object)[0]));
  if (results.length === 1 && results[0] === "ok") return;
  // The first line of the report names the damaged tree and page.
  const first = results
    .join(" ")
    .replace(/\*\*\* in database main \*\*\*\s*/, "")
    .trim();
  throw damagedFile(filename, `${pragma}: ${first.split("\n")[0]}`);
}
