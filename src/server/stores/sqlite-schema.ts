/**
 * The SQLite store's tables. Records are JSON text in `record`; the columns beside it
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
