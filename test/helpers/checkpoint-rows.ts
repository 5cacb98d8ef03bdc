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
