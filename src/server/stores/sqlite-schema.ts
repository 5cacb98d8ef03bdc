/**
 * The SQLite store's tables as its first release wrote them; the steps of
 * {@link SQLITE_MIGRATIONS} bring them (and a file an older release wrote) up to date.
 * Records are JSON text in `record`; the columns beside it
 * are what searches filter and order on, each with an index that ends in the result
 * order (creation time, then insertion order `seq`), so `LIMIT` stops the walk early.
 * `unreadable` marks a row whose record no longer decodes: reads skip it.
 */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS acp_runs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL UNIQUE,
  thread_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished INTEGER NOT NULL,
  unreadable INTEGER NOT NULL DEFAULT 0,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS acp_runs_by_creation ON acp_runs (created_at, seq);
CREATE INDEX IF NOT EXISTS acp_runs_by_thread ON acp_runs (thread_id, created_at, seq);
CREATE INDEX IF NOT EXISTS acp_runs_by_agent ON acp_runs (agent_id, created_at, seq);
CREATE INDEX IF NOT EXISTS acp_runs_by_status ON acp_runs (status, created_at, seq);
CREATE INDEX IF NOT EXISTS acp_runs_finished ON acp_runs (finished, updated_at);

CREATE TABLE IF NOT EXISTS acp_run_metadata (
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at TEXT NOT NULL,
  seq INTEGER NOT NULL REFERENCES acp_runs (seq) ON DELETE CASCADE,
  PRIMARY KEY (key, value, created_at, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS acp_run_metadata_by_run ON acp_run_metadata (seq);

CREATE TABLE IF NOT EXISTS acp_run_events (
  seq INTEGER NOT NULL REFERENCES acp_runs (seq) ON DELETE CASCADE,
  id INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (seq, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS acp_threads (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  thread_id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  idle_status TEXT NOT NULL DEFAULT 'idle',
  busy_run_id TEXT,
  created_at TEXT NOT NULL,
  unreadable INTEGER NOT NULL DEFAULT 0,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS acp_threads_by_creation ON acp_threads (created_at, seq);
CREATE INDEX IF NOT EXISTS acp_threads_by_status ON acp_threads (status, created_at, seq);

CREATE TABLE IF NOT EXISTS acp_thread_metadata (
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at TEXT NOT NULL,
  seq INTEGER NOT NULL REFERENCES acp_threads (seq) ON DELETE CASCADE,
  PRIMARY KEY (key, value, created_at, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS acp_thread_metadata_by_thread ON acp_thread_metadata (seq);
`;

/**
 * The steps after {@link SQLITE_SCHEMA}, applied in order and never edited once released;
 * a file's `PRAGMA user_version` counts those it has.
 *
 * 1. `acp_a2a_push_configs` holds the A2A push notification configs of runs (created on
 *    first use by older releases), and `acp_runs.push_configs` counts them, changed in
 *    the transaction that stores or deletes one: a run's status write returns it, so
 *    only a run that has configs reads them.
 */
const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE IF NOT EXISTS acp_a2a_push_configs (
    run_id TEXT NOT NULL REFERENCES acp_runs (run_id) ON DELETE CASCADE,
    config_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (run_id, config_id)
  ) WITHOUT ROWID;
  ALTER TABLE acp_runs ADD COLUMN push_configs INTEGER NOT NULL DEFAULT 0;
  UPDATE acp_runs SET push_configs =
    (SELECT count(*) FROM acp_a2a_push_configs c WHERE c.run_id = acp_runs.run_id);
  `,
];

/** The schema version this release writes: the `user_version` of an up-to-date file. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.length;

/** The part of a better-sqlite3 database the migrations use. */
interface MigratedDatabase {
  exec(sql: string): void;
  pragma(source: string): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
}

/**
 * Creates the tables of a new file, or brings those of an older one up to date: each
 * step it lacks, with its new `user_version`, in a transaction of its own.
 */
export function migrateSqlite(db: MigratedDatabase): void {
  db.exec(SQLITE_SCHEMA);
  const [row] = db.pragma("user_version") as Array<{ user_version: number }>;
  for (let version = (row?.user_version ?? 0) + 1; version <= SQLITE_SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[version - 1] as string);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
