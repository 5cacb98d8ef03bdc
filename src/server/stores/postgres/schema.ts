import type { Pool } from "pg";

/**
 * The server's tables, one migration per step, applied in order and never edited once
 * released: a database created by an older release is brought up to date by the steps
 * it lacks. `{s}` stands for the quoted schema name.
 *
 * - `runs` holds each run's record, the columns search filters on, and its execution
 *   state: a run waiting for a worker is `queued`; the replica executing it is its
 *   `owner`; a unique partial index lets at most one run of a thread be owned, so a
 *   thread never executes two runs at once, whichever replicas try.
 * - `run_events` is each run's output stream, the log `Last-Event-ID` replays from.
 * - `replicas` names the live replicas; each holds an advisory lock on its id for as
 *   long as its connection lives, which is how the others learn that it died.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE {s}.threads (
    thread_id text PRIMARY KEY,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    status text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    record jsonb NOT NULL
  );
  CREATE INDEX threads_by_creation ON {s}.threads (created_at, thread_id);
  CREATE INDEX threads_by_status ON {s}.threads (status, created_at);
  CREATE INDEX threads_by_metadata ON {s}.threads USING gin (metadata jsonb_path_ops);

  CREATE TABLE {s}.runs (
    run_id uuid PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    thread_id text,
    agent_id text NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    record jsonb NOT NULL,
    queued boolean NOT NULL DEFAULT false,
    not_before timestamptz NOT NULL DEFAULT now(),
    owner bigint,
    attempt integer NOT NULL DEFAULT 0,
    cancel text,
    leg_input jsonb
  );
  CREATE INDEX runs_by_thread ON {s}.runs (thread_id, created_at, seq);
  CREATE INDEX runs_by_agent ON {s}.runs (agent_id, status, created_at, seq);
  CREATE INDEX runs_by_status ON {s}.runs (status, created_at, seq);
  CREATE INDEX runs_by_metadata ON {s}.runs USING gin (metadata jsonb_path_ops);
  CREATE INDEX runs_queue ON {s}.runs (seq) WHERE queued;
  CREATE INDEX runs_by_owner ON {s}.runs (owner) WHERE owner IS NOT NULL;
  CREATE UNIQUE INDEX runs_one_executing_per_thread ON {s}.runs (thread_id)
    WHERE owner IS NOT NULL AND thread_id IS NOT NULL;

  CREATE TABLE {s}.run_events (
    run_id uuid NOT NULL REFERENCES {s}.runs ON DELETE CASCADE,
    event_id integer NOT NULL,
    data jsonb NOT NULL,
    PRIMARY KEY (run_id, event_id)
  );

  CREATE TABLE {s}.replicas (
    replica_id bigint PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    host text NOT NULL,
    pid integer NOT NULL
  );
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
