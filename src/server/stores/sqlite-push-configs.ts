/**
 * The SQLite store's push notification configs: a table of their own beside the runs,
 * created when the store opens it first, each row deleted with its run.
 */
import type { StoreLogger } from "./codec.js";
import { type PushConfigPut, type PushConfigRow, TextPushConfigStore } from "./push-configs.js";
import type { Statements } from "./sqlite.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS acp_a2a_push_configs (
  run_id TEXT NOT NULL REFERENCES acp_runs (run_id) ON DELETE CASCADE,
  config_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  config TEXT NOT NULL,
  PRIMARY KEY (run_id, config_id)
) WITHOUT ROWID;
`;

/** Push configs in the SQLite file of the store. */
export class SqlitePushConfigStore extends TextPushConfigStore {
  #ready: Promise<Statements> | undefined;

  constructor(
    private readonly statements: Promise<Statements>,
    logger: StoreLogger,
  ) {
    super(logger);
  }

  /** The statements, once the table exists. */
  #open(): Promise<Statements> {
    this.#ready ??= this.statements.then((s) => {
      s.db.exec(SCHEMA);
      return s;
    });
    return this.#ready;
  }

  protected async putText(
    runId: string,
    { id, text }: PushConfigRow,
    maxPerRun: number,
  ): Promise<PushConfigPut> {
    const s = await this.#open();
    return s.transaction((): PushConfigPut => {
      if (!s.sql("SELECT 1 FROM acp_runs WHERE run_id = ?").get(runId)) return "no-run";
      const updated = s
        .sql("UPDATE acp_a2a_push_configs SET config = ? WHERE run_id = ? AND config_id = ?")
        .run(text, runId, id);
      if (updated.changes > 0) return "stored";
      const { n, last } = s
        .sql(
          "SELECT count(*) AS n, coalesce(max(position), 0) AS last FROM acp_a2a_push_configs WHERE run_id = ?",
        )
        .get(runId) as { n: number; last: number };
      if (n >= maxPerRun) return "full";
      s.sql(
        "INSERT INTO acp_a2a_push_configs (run_id, config_id, position, config) VALUES (?, ?, ?, ?)",
      ).run(runId, id, last + 1, text);
      return "stored";
    })();
  }

  protected async listText(runId: string): Promise<PushConfigRow[]> {
    const s = await this.#open();
    return s
      .sql(
        "SELECT config_id AS id, config AS text FROM acp_a2a_push_configs WHERE run_id = ? ORDER BY position",
      )
      .all(runId) as PushConfigRow[];
  }

  async delete(runId: string, id: string): Promise<boolean> {
    const s = await this.#open();
    return (
      s.sql("DELETE FROM acp_a2a_push_configs WHERE run_id = ? AND config_id = ?").run(runId, id)
        .changes > 0
    );
  }
}
