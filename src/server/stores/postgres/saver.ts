import type { RunnableConfig } from "@langchain/core/runnables";
import type { BaseCheckpointSaver, Checkpoint, CheckpointMetadata } from "@langchain/langgraph";
import type { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { Pool, QueryConfig } from "pg";
import { StoreError } from "../../errors.js";
import { quoteIdent } from "./schema.js";
import { type PreparedStatement, PreparedStatements, preparedStatement } from "./statements.js";

type Versions = Parameters<BaseCheckpointSaver["put"]>[3];
type Writes = Parameters<BaseCheckpointSaver["putWrites"]>[1];

/** A value for a `bytea[]` parameter: a `Buffer`, which every `pg` 8 writes as bytes. */
const bytes = (value: Uint8Array | undefined): Buffer | null =>
  value === undefined ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength);

/**
 * How the reads LangGraph's `getTuple` sends end (a thread's latest checkpoint, and a
 * checkpoint by id): sent at every run, they are prepared. Only these: the texts of its
 * other reads (`list`) hold values, and would make new statements without end.
 */
const TUPLE_READS = [
  "WHERE thread_id = $1 AND checkpoint_ns = $2 ORDER BY checkpoint_id DESC LIMIT 1",
  "WHERE thread_id = $1 AND checkpoint_ns = $2 AND checkpoint_id = $3",
];

/** `pool` as LangGraph's saver uses it, with its `getTuple` reads prepared. */
function preparingTupleReads(pool: Pool): Pool {
  const statements = new PreparedStatements();
  const query = (text: unknown, values?: unknown) =>
    typeof text === "string" && TUPLE_READS.some((end) => text.endsWith(end))
      ? pool.query({ ...statements.of(text), values: values as unknown[] })
      : (pool.query as (text: unknown, values?: unknown) => unknown)(text, values);
  return new Proxy(pool, {
    get(target, key) {
      if (key === "query") return query;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * LangGraph's `PostgresSaver` writing each `put` and each `putWrites` in one statement
 * instead of a transaction of one statement per row: same tables, same rows (it builds
 * them with the saver's own serialization), so a database written by either is read by
 * the other. A `put` stores the blobs of the channels it gives new versions and the
 * checkpoint in one data-modifying statement, atomic as any statement; `putWrites`
 * stores every write of the call in one multi-row insert. The saver's `setup`, `getTuple`
 * and `list` are LangGraph's, its `getTuple` statements prepared.
 */
export function compactPostgresSaver(
  Saver: typeof PostgresSaver,
  pool: Pool,
  schema: string,
): PostgresSaver {
  const s = quoteIdent(schema);
  const putCheckpoint = preparedStatement(
    `WITH blobs AS (
       INSERT INTO ${s}.checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
       SELECT $1::text, $2::text, b.channel, b.version, b.type, b.blob
       FROM unnest($7::text[], $8::text[], $9::text[], $10::bytea[]) AS b(channel, version, type, blob)
       ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING)
     INSERT INTO ${s}.checkpoints
       (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
     DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
  );
  const insertWrites = (conflict: string) =>
    preparedStatement(
      `INSERT INTO ${s}.checkpoint_writes
         (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
       SELECT $1::text, $2::text, $3::text, $4::text, w.idx, w.channel, w.type, w.blob
       FROM unnest($5::integer[], $6::text[], $7::text[], $8::bytea[]) AS w(idx, channel, type, blob)
       ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${conflict}`,
    );
  // As LangGraph's saver: a call of special writes only (errors, interrupts, resumes,
  // which its write-index map puts at negative indices) replaces what is stored at their
  // index; any other call keeps what is stored.
  const upsertWrites = insertWrites(
    "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob",
  );
  const keepWrites = insertWrites("DO NOTHING");
  const deleteThread = preparedStatement(
    `WITH blobs AS (DELETE FROM ${s}.checkpoint_blobs WHERE thread_id = $1),
       writes AS (DELETE FROM ${s}.checkpoint_writes WHERE thread_id = $1)
     DELETE FROM ${s}.checkpoints WHERE thread_id = $1`,
  );
  const query = async (statement: PreparedStatement, values: unknown[]) => {
    const config: QueryConfig = { ...statement, values };
    await pool.query(config);
  };

  class CompactPostgresSaver extends Saver {
    override async put(
      config: RunnableConfig,
      checkpoint: Checkpoint,
      metadata: CheckpointMetadata,
      newVersions: Versions,
    ): Promise<RunnableConfig> {
      if (config.configurable === undefined) {
        throw new StoreError('the config has no "configurable" field', "checkpointer.put");
      }
      const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable;
      const [blobs, dumpedMetadata] = await Promise.all([
        this._dumpBlobs(thread_id, checkpoint_ns, checkpoint.channel_values, newVersions),
        this._dumpMetadata(metadata),
      ]);
      await query(putCheckpoint, [
        thread_id,
        checkpoint_ns,
        checkpoint.id,
        checkpoint_id ?? null,
        JSON.stringify(this._dumpCheckpoint(checkpoint)),
        JSON.stringify(dumpedMetadata),
        blobs.map((b) => b[2]),
        blobs.map((b) => b[3]),
        blobs.map((b) => b[4]),
        blobs.map((b) => bytes(b[5])),
      ]);
      return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } };
    }

    override async putWrites(
      config: RunnableConfig,
      writes: Writes,
      taskId: string,
    ): Promise<void> {
      const dumped = await this._dumpWrites(
        config.configurable?.thread_id,
        config.configurable?.checkpoint_ns,
        config.configurable?.checkpoint_id,
        taskId,
        writes,
      );
      if (dumped.length === 0) return;
      const special = dumped.every((w) => w[4] < 0);
      // One row per index, as the saver's one statement per write leaves it: the last
      // of a call's writes at an index when they replace, the first when they keep.
      const byIndex = new Map<number, (typeof dumped)[number]>();
      for (const write of dumped) {
        if (special || !byIndex.has(write[4])) byIndex.set(write[4], write);
      }
      const rows = [...byIndex.values()];
      await query(special ? upsertWrites : keepWrites, [
        config.configurable?.thread_id,
        config.configurable?.checkpoint_ns,
        config.configurable?.checkpoint_id,
        taskId,
        rows.map((w) => w[4]),
        rows.map((w) => w[5]),
        rows.map((w) => w[6]),
        rows.map((w) => bytes(w[7])),
      ]);
    }

    override async deleteThread(threadId: string): Promise<void> {
      await query(deleteThread, [threadId]);
    }
  }
  return new CompactPostgresSaver(preparingTupleReads(pool), undefined, { schema });
}
