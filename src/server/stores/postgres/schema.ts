import type { Pool } from "pg";

/**
 * The server's tables, one migration per step, applied in order and never edited once
 * released: a database created by an older release is brought up to date by the steps
 * it lacks. `{s}` stands for the quoted schema name.
 *
 * - `threads` and `runs` hold each record as JSON text beside the columns searches
 *   filter and sort on; `threads.busy_run_id` is the run that holds a thread.
 * - `runs` also holds its execution state: a run waiting for a worker is `queued`;
 *   the replica executing it is its `owner`, `attempt` counts the executions begun,
 *   `leg` is what the current execution starts from (its input or a resume), and
 *   `after_run` the run of its thread it was enqueued behind.
 * - `run_events` is each run's output stream, the log `Last-Event-ID` replays from.
 * - `a2a_push_configs` (2) holds the A2A push notification configs of runs' tasks.
 * - `runs.push_configs` (3) counts them, changed in the statement that stores or deletes
 *   one: a run's status write returns it, so only a run that has configs reads them.
 * - `runs_queued_by_thread` (4) finds a thread's queued runs, which a run's end asks for,
 *   among the queued runs alone instead of all the runs the thread has had.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE {s}.threads (
    thread_id text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    status text NOT NULL,
    meta text[] NOT NULL,
    busy_run_id text,
    record text NOT NULL
  );
  CREATE INDEX threads_by_creation ON {s}.threads (created_at COLLATE "C", seq);
  CREATE INDEX threads_by_status ON {s}.threads (status, created_at COLLATE "C", seq);
  CREATE INDEX threads_busy ON {s}.threads (created_at COLLATE "C", seq)
    WHERE busy_run_id IS NOT NULL;
  CREATE INDEX threads_by_metadata ON {s}.threads USING gin (meta);

  CREATE TABLE {s}.runs (
    run_id text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    thread_id text,
    agent_id text NOT NULL,
    status text NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    finished boolean NOT NULL,
    meta text[] NOT NULL,
    record text NOT NULL,
    queued boolean NOT NULL DEFAULT false,
    owner integer,
    attempt integer NOT NULL DEFAULT 0,
    leg text,
    after_run text
  );
  CREATE INDEX runs_by_creation ON {s}.runs (created_at COLLATE "C", seq);
  CREATE INDEX runs_by_thread ON {s}.runs (thread_id, created_at COLLATE "C", seq);
  CREATE INDEX runs_by_agent ON {s}.runs (agent_id, created_at COLLATE "C", seq);
  CREATE INDEX runs_by_status ON {s}.runs (status, created_at COLLATE "C", seq);
  CREATE INDEX runs_by_metadata ON {s}.runs USING gin (meta);
  CREATE INDEX runs_finished ON {s}.runs (updated_at COLLATE "C") WHERE finished;
  CREATE INDEX runs_queue ON {s}.runs (seq) WHERE queued;
  CREATE INDEX runs_by_owner ON {s}.runs (owner) WHERE owner IS NOT NULL;

  CREATE TABLE {s}.run_events (
    run_id text NOT NULL REFERENCES {s}.runs ON DELETE CASCADE,
    event_id integer NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (run_id, event_id)
  );
  `,
  `
  CREATE TABLE {s}.a2a_push_configs (
    run_id text NOT NULL REFERENCES {s}.runs ON DELETE CASCADE,
    config_id text NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    config text NOT NULL,
    PRIMARY KEY (run_id, config_id)
  );
  `,
  `
  ALTER TABLE {s}.runs ADD COLUMN push_configs integer NOT NULL DEFAULT 0;
  UPDATE {s}.runs r SET push_configs = c.n
  FROM (SELECT run_id, count(*)::integer AS n FROM {s}.a2a_push_configs GROUP BY run_id) c
  WHERE r.run_id = c.run_id;
  `,
  `
  CREATE INDEX runs_queued_by_thread ON {s}.runs (thread_id) WHERE queued;
  `,
];

/** The latest schema version this release writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** A schema name as a quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Creates or updates the schema. Safe when several replicas start at once: they take
 * turns on an advisory lock named after the schema, so each step is applied once, and
 * `alsoUnderLock` (the LangGraph checkpointer's own setup, which is not safe to run
 * concurrently) runs under the same lock.
 */
export async function migrate(
  pool: Pool,
  schema: string,
  alsoUnderLock: () => Promise<void> = async () => {},
): Promise<void> {
  const s = quoteIdent(schema);
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [`agntcy-acp:migrate:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ version: number }>(
        `SELECT coalesce(max(version), 0) AS version FROM ${s}.migrations`,
      );
      for (let version = (rows[0]?.version ?? 0) + 1; version <= SCHEMA_VERSION; version++) {
        await client.query("BEGIN");
        try {
          await client.query((MIGRATIONS[version - 1] as string).replaceAll("{s}", s));
          await client.query(`INSERT INTO ${s}.migrations (version) VALUES ($1)`, [version]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
      }
      await alsoUnderLock();
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [
        `agntcy-acp:migrate:${schema}`,
      ]);
    }
  } finally {
    client.release();
  }
}

/**
 * The channels a schema's replicas NOTIFY and LISTEN on: every change of a run or its
 * events (`runs`, with the run's id), cancel requests and queued runs.
 */
export function channelsOf(schema: string): { runs: string; cancel: string; queue: string } {
  return { runs: `${schema}_runs`, cancel: `${schema}_cancel`, queue: `${schema}_queue` };
}
