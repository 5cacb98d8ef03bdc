/**
 * The SQLite store's push notification configs: a table of their own beside the runs
 * (see the schema's migrations), each row deleted with its run, and counted on the run's
 * row in the transaction that stores or deletes one: a write of the run's status tells
 * whether there are any.
 */
import type { StoreLogger } from "./codec.js";
import { type PushConfigPut, type PushConfigRow, TextPushConfigStore } from "./push-configs.js";
import type { Statements } from "./sqlite.js";

/** Push configs in the SQLite file of the store. */
export class SqlitePushConfigStore extends TextPushConfigStore {
  constructor(
    private readonly statements: Promise<Statements>,
    logger: StoreLogger,
  ) {
    super(logger);
  }

  protected async putText(
    runId: string,
    { id, text }: PushConfigRow,
    maxPerRun: number,
  ): Promise<PushConfigPut> {
    const s = await this.statements;
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
      s.sql("UPDATE acp_runs SET push_configs = push_configs + 1 WHERE run_id = ?").run(runId);
      return "stored";
    })();
  }

  protected async listText(runId: string): Promise<PushConfigRow[]> {
    const s = await this.statements;
    return s
      .sql(
        "SELECT config_id AS id, config AS text FROM acp_a2a_push_configs WHERE run_id = ? ORDER BY position",
      )
      .all(runId) as PushConfigRow[];
  }

  async delete(runId: string, id: string): Promise<boolean> {
    const s = await this.statements;
    return s.transaction(() => {
      const deleted = s
        .sql("DELETE FROM acp_a2a_push_configs WHERE run_id = ? AND config_id = ?")
        .run(runId, id).changes;
      if (deleted === 0) return false;
      s.sql("UPDATE acp_runs SET push_configs = push_configs - 1 WHERE run_id = ?").run(runId);
      return true;
    })();
  }
}
