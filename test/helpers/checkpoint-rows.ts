/** A thread's rows in LangGraph's `PostgresSaver` tables, for comparing what two savers wrote. */
import type pg from "pg";

/** Every row of `threadId` in the checkpointer's tables of `schema`, in a stable order, without the thread id. */
export async function checkpointRowsOf(pool: pg.Pool, schema: string, threadId: string) {
  const select = async (table: string, order: string) =>
    (
      await pool.query(`SELECT * FROM ${schema}.${table} WHERE thread_id = $1 ORDER BY ${order}`, [
        threadId,
      ])
    ).rows.map(({ thread_id: _, ...row }) => row);
  return {
    checkpoints: await select("checkpoints", "checkpoint_ns, checkpoint_id"),
    blobs: await select("checkpoint_blobs", "checkpoint_ns, channel, version"),
    writes: await select("checkpoint_writes", "checkpoint_ns, checkpoint_id, task_id, idx"),
  };
}

/**
 * Makes the database refuse (`checkpoint refused`) every checkpoint of `threadId` the
 * checkpointer of `schema` inserts; resolves to what takes the refusal away again.
 */
export async function refuseCheckpointsOf(
  pool: pg.Pool,
  schema: string,
  threadId: string,
): Promise<() => Promise<void>> {
  await pool.query(
    `CREATE FUNCTION ${schema}.refuse_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION 'checkpoint refused'; END $$`,
  );
  await pool.query(
    `CREATE TRIGGER refuse BEFORE INSERT ON ${schema}.checkpoints
     FOR EACH ROW WHEN (NEW.thread_id = ${pgLiteral(threadId)})
     EXECUTE FUNCTION ${schema}.refuse_checkpoint()`,
  );
  return async () => {
    await pool.query(`DROP TRIGGER refuse ON ${schema}.checkpoints`);
    await pool.query(`DROP FUNCTION ${schema}.refuse_checkpoint()`);
  };
}

/** `text` as an SQL string literal. */
const pgLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;
