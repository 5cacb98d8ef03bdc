/**
 * The PostgreSQL store's push notification configs, in the `a2a_push_configs` table
 * (see the schema's migrations), each row deleted with its run, and counted on the run's
 * row: every replica on the database reads the same configs, and a write of the run's
 * status tells whether there are any.
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
    // One statement, which holds the run (it cannot be deleted under it) and counts a
    // config it adds on the run's row (see the schema's `push_configs`): a write of the
    // run's status after this commits returns that count. Puts for the same run at the
    // same moment each check the count committed before them, so together they may pass
    // the limit by the puts in flight, never more. Two that add the same id at once store
    // one of them, counted once: the other finds it there (its insert does nothing) and
    // is as if it came first and was replaced.
    const { rows } = await this.pool.query<{ outcome: PushConfigPut }>(
      `WITH run AS (
         SELECT push_configs FROM ${this.t}.runs WHERE run_id = $1 FOR KEY SHARE),
       replaced AS (
         UPDATE ${this.t}.a2a_push_configs SET config = $3
         WHERE run_id = $1 AND config_id = $2 AND EXISTS (SELECT 1 FROM run)
         RETURNING 1),
       inserted AS (
         INSERT INTO ${this.t}.a2a_push_configs (run_id, config_id, config)
         SELECT $1, $2, $3 FROM run
         WHERE NOT EXISTS (SELECT 1 FROM replaced) AND run.push_configs < $4
         ON CONFLICT (run_id, config_id) DO NOTHING
         RETURNING 1),
       counted AS (
         UPDATE ${this.t}.runs SET push_configs = push_configs + 1
         WHERE run_id = $1 AND EXISTS (SELECT 1 FROM inserted)
         RETURNING 1)
       SELECT CASE
         WHEN NOT EXISTS (SELECT 1 FROM run) THEN 'no-run'
         WHEN (SELECT push_configs FROM run) >= $4 AND NOT EXISTS (SELECT 1 FROM replaced) THEN 'full'
         ELSE 'stored' END AS outcome,
         (SELECT count(*) FROM counted) AS counted`,
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
    // The run's count goes down in the same statement (see `putText`).
    const { rows } = await this.pool.query<{ deleted: string }>(
      `WITH deleted AS (
         DELETE FROM ${this.t}.a2a_push_configs WHERE run_id = $1 AND config_id = $2
         RETURNING 1),
       counted AS (
         UPDATE ${this.t}.runs SET push_configs = push_configs - (SELECT count(*) FROM deleted)
         WHERE run_id = $1 AND EXISTS (SELECT 1 FROM deleted)
         RETURNING 1)
       SELECT (SELECT count(*) FROM deleted) AS deleted, (SELECT count(*) FROM counted) AS counted`,
      [runId, id],
    );
    return Number(rows[0]?.deleted) === 1;
  }
}
