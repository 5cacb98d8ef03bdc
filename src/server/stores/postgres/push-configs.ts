/**
 * The PostgreSQL store's push notification configs, in the `a2a_push_configs` table
 * (see the schema's migrations), each row deleted with its run: every replica on the
 * database reads the same configs.
 */
import type { Pool } from "pg";
import type { StoreLogger } from "../codec.js";
import {
  decodePushConfig,
  encodePushConfig,
  type PushConfigPut,
  type PushConfigStore,
  type StoredPushConfig,
} from "../push-configs.js";
import { quoteIdent } from "./schema.js";
import { StorePool } from "./unavailable.js";

/** Push configs in PostgreSQL. */
export class PostgresPushConfigStore implements PushConfigStore {
  private readonly t: string;
  private readonly pool: StorePool;

  constructor(
    opened: Promise<Pool>,
    schema: string,
    private readonly logger: StoreLogger,
  ) {
    this.t = quoteIdent(schema);
    this.pool = new StorePool(opened, "pushConfigs");
  }

  async put(
    runId: string,
    id: string,
    config: Record<string, unknown>,
    maxPerRun: number,
  ): Promise<PushConfigPut> {
    const text = encodePushConfig(config);
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

  async list(runId: string): Promise<StoredPushConfig[]> {
    const { rows } = await this.pool.query<{ config_id: string; config: string }>(
      `SELECT config_id, config FROM ${this.t}.a2a_push_configs WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
    return rows.flatMap(
      (row) => decodePushConfig(row.config_id, row.config, runId, this.logger) ?? [],
    );
  }

  async delete(runId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.t}.a2a_push_configs WHERE run_id = $1 AND config_id = $2`,
      [runId, id],
    );
    return rowCount === 1;
  }
}
