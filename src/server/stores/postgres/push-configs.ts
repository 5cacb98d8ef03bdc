/**
 * The PostgreSQL store's push notification configs, in the `a2a_push_configs` table
 * (see the schema's migrations), each row deleted with its run: every replica on the
 * database reads the same configs.
 */
import type { Pool } from "pg";
import type { StoreLogger } from "../codec.js";
import { type PushConfigPut, type PushConfigRow, TextPushConfigStore } from "../push-configs.js";
import { quoteIdent } from "./schema.js";
import { StorePool } from "./unavailable.js";

/** Push configs in PostgreSQL. */
export class PostgresPushConfigStore extends TextPushConfigStore {
  private readonly t: string;
  private readonly pool: StorePool;

  constructor(opened: Promise<Pool>, schema: string, logger: StoreLogger) {
    super(logger);
    this.t = quoteIdent(schema);
    this.pool = new StorePool(opened, "pushConfigs");
  }

  protected async putText(
    runId: string,
    { id, text }: PushConfigRow,
    maxPerRun: number,
  ): Promise<PushConfigPut> {
    // One statement, which holds the run (it cannot be deleted under it). Puts for the
    // same run at the same moment each count the configs committed before them, so
    // together they may pass the limit by the puts in flight, never more.
    const { rows } = await this.pool.query<{ outcome: PushConfigPut }>(
      `WITH run AS (SELECT run_id FROM ${this.t}.runs WHERE run_id = $1 FOR KEY SHARE),
       replaced AS (
         UPDATE ${this.t}.a2a_push_configs SET config = $3
         WHERE run_id = $1 AND config_id = $2 AND EXISTS (SELECT 1 FROM run)
         RETURNING 1),
       inserted AS (
         INSERT INTO ${this.t}.a2a_push_configs (run_id, config_id, config)
         SELECT $1, $2, $3 FROM run
         WHERE NOT EXISTS (SELECT 1 FROM replaced)
           AND (SELECT count(*) FROM ${this.t}.a2a_push_configs WHERE run_id = $1) < $4
         ON CONFLICT (run_id, config_id) DO UPDATE SET config = EXCLUDED.config
         RETURNING 1)
       SELECT CASE
         WHEN NOT EXISTS (SELECT 1 FROM run) THEN 'no-run'
         WHEN EXISTS (SELECT 1 FROM replaced) OR EXISTS (SELECT 1 FROM inserted) THEN 'stored'
         ELSE 'full' END AS outcome`,
      [runId, id, text, maxPerRun],
    );
    return rows[0]?.outcome ?? "no-run";
  }

  protected async listText(runId: string): Promise<PushConfigRow[]> {
    const { rows } = await this.pool.query<PushConfigRow>(
      `SELECT config_id AS id, config AS text FROM ${this.t}.a2a_push_configs
       WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
    return rows;
  }

  async delete(runId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.t}.a2a_push_configs WHERE run_id = $1 AND config_id = $2`,
      [runId, id],
    );
    return rowCount === 1;
  }
}
