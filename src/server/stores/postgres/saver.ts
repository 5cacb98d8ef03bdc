import type { RunnableConfig } from "@langchain/core/runnables";
import type { BaseCheckpointSaver, Checkpoint, CheckpointMetadata } from "@langchain/langgraph";
import type { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { Pool } from "pg";
import { StoreError } from "../../errors.js";
import { StatementBatch } from "./batch.js";
import { quoteIdent } from "./schema.js";
import {
  boundQuery,
  type PreparedStatement,
  PreparedStatements,
  preparedStatement,
} from "./statements.js";

type Versions = Parameters<BaseCheckpointSaver["put"]>[3];
type Writes = Parameters<BaseCheckpointSaver["putWrites"]>[1];

/** A value for a `bytea[]` parameter: a `Buffer`, which every `pg` 8 writes as bytes. */
const bytes = (value: Uint8Array | undefined): Buffer | null =>
  value === undefined ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength);

/** A checkpoint to store, as the values of its row and of its new blobs' rows. */
interface CheckpointRow {
  threadId: string;
  ns: string;
  id: string;
  parentId: string | null;
  checkpoint: string;
  metadata: string;
  blobs: Array<{ channel: string; version: string; type: string; blob: Buffer | null }>;
}

/** The writes of one `putWrites` call, one row per index, and whether they replace. */
interface WritesCall {
  threadId: unknown;
  ns: unknown;
  checkpointId: unknown;
  taskId: string;
  replace: boolean;
  rows: Array<{ idx: number; channel: string; type: string; blob: Buffer | null }>;
}

/** What the writes of one thread's checkpoints are keyed by in a batch: its thread and namespace. */
const threadKey = (threadId: unknown, ns: unknown) => JSON.stringify([threadId, ns]);

/** How LangGraph's `getTuple` reads end: a thread's latest checkpoint, a checkpoint by id. */
const LATEST = "WHERE thread_id = $1 AND checkpoint_ns = $2 ORDER BY checkpoint_id DESC LIMIT 1";
const BY_ID = "WHERE thread_id = $1 AND checkpoint_ns = $2 AND checkpoint_id = $3";

/**
 * How LangGraph's select finds a checkpoint's blobs: its channel versions joined with
 * the blobs of its thread and namespace. PostgreSQL reads every blob the thread has ever
 * had for that (a hash or bitmap scan over them), so a read costs more with each run of
 * the thread.
 */
const THREAD_BLOBS_JOIN =
  /from jsonb_each_text\(checkpoint -> 'channel_versions'\)\s+inner join (\S+) bl\s+on bl\.thread_id = cp\.thread_id\s+and bl\.checkpoint_ns = cp\.checkpoint_ns\s+and bl\.channel = jsonb_each_text\.key\s+and bl\.version = jsonb_each_text\.value/;

/**
 * LangGraph's select with a checkpoint's blobs found one by one: a lookup of the blobs'
 * primary key per channel version, whatever the length of the thread's history. Same
 * rows (the key is unique); a select without that join is left as it is.
 */
function blobsByIndex(select: string): string {
  return select.replace(
    THREAD_BLOBS_JOIN,
    (_, blobs: string) =>
      `from jsonb_each_text(checkpoint -> 'channel_versions') v
      cross join lateral (
        select b.channel, b.type, b.blob from ${blobs} b
        where b.thread_id = cp.thread_id and b.checkpoint_ns = cp.checkpoint_ns
          and b.channel = v.key and b.version = v.value
        limit 1) bl`,
  );
}

/**
 * SQL: the id of the latest checkpoint (root namespace) of the thread `thread` (an SQL
 * expression) in the table `checkpoints` (schema-qualified), as `getTuple` reads it;
 * NULL when the thread has none. An index lookup: the checkpoint is not read.
 */
export const latestCheckpointIdOf = (checkpoints: string, thread: string) =>
  `(SELECT c.checkpoint_id FROM ${checkpoints} c
    WHERE c.thread_id = ${thread} AND c.checkpoint_ns = '' ORDER BY c.checkpoint_id DESC LIMIT 1)`;

/** A `getTuple` read: the text LangGraph's saver sent (its select, then its end) and values. */
interface TupleRead {
  select: string;
  values: unknown[];
}

/**
 * `pool` as LangGraph's saver uses it, the reads its `getTuple` sends gathered: the
 * reads of one kind asked for in one turn of the event loop go in one statement (see
 * `StatementBatch`), each key's row found as its read alone finds it (the same select,
 * applied to each key by a lateral join), and each caller answered its own rows. The
 * statements are prepared. Only these reads: the texts of its other reads (`list`) hold
 * values, and would make new statements without end. Every read of checkpoints, these
 * and `list`'s, finds their blobs by key (`blobsByIndex`).
 */
function gatheringTupleReads(pool: Pool): Pool {
  const statements = new PreparedStatements();
  const alone = (read: TupleRead) =>
    pool.query(
      boundQuery(statements.of(read.select), read.values, "checkpointer.getTuple"),
    ) as Promise<{
      rows: unknown[];
    }>;
  // The select for several keys: LangGraph's, its end applied to each key in turn.
  const many = (end: string, columns: number) => async (batch: readonly TupleRead[]) => {
    const first = batch[0] as TupleRead;
    // One saver sends one select; another one's reads would go each alone.
    if (batch.some((read) => read.select !== first.select)) {
      throw new StoreError("the reads of one turn name two selects", "checkpointer.getTuple");
    }
    const select = first.select.slice(0, -end.length);
    const keys = ["k.t", "k.n", "k.c"].slice(0, columns);
    const text = `SELECT k.i AS batch_index, r.*
      FROM unnest(${keys.map((_, i) => `$${i + 1}::text[]`).join(", ")}) WITH ORDINALITY
        AS k(${["t", "n", "c"].slice(0, columns).join(", ")}, i)
      CROSS JOIN LATERAL (${select}${end
        .replace("$1", keys[0] as string)
        .replace("$2", keys[1] as string)
        .replace("$3", keys[2] ?? "")}) r`;
    const values = keys.map((_, column) => batch.map((read) => read.values[column] ?? null));
    const query = boundQuery(statements.of(text), values, "checkpointer.getTuple");
    const { rows } = (await pool.query(query)) as {
      rows: Array<{ batch_index: string }>;
    };
    const answers = batch.map(() => ({ rows: [] as unknown[] }));
    for (const { batch_index, ...row } of rows) answers[Number(batch_index) - 1]?.rows.push(row);
    return answers;
  };
  const batches = new Map([
    [LATEST, new StatementBatch({ one: alone, many: many(LATEST, 2) })],
    [BY_ID, new StatementBatch({ one: alone, many: many(BY_ID, 3) })],
  ]);
  const send = (text: unknown, values?: unknown) =>
    (pool.query as (text: unknown, values?: unknown) => unknown)(text, values);
  // The gathered reads' texts, each rewritten once (the others hold values: each anew).
  const rewritten = new Map<string, string>();
  const query = (text: unknown, values?: unknown) => {
    if (typeof text !== "string") return send(text, values);
    const end = [LATEST, BY_ID].find((e) => text.endsWith(e));
    const batch = end === undefined ? undefined : batches.get(end);
    if (batch === undefined) return send(blobsByIndex(text), values);
    let select = rewritten.get(text);
    if (select === undefined) {
      select = blobsByIndex(text);
      rewritten.set(text, select);
    }
    // Reads keep no order among themselves: no key.
    return batch.write({ select, values: (values ?? []) as unknown[] });
  };
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
 * stores every write of the call in one multi-row insert. The puts of different threads
 * asked for in one turn of the event loop go in one statement, and so do their writes
 * (see `StatementBatch`): each stored as alone. The saver's `setup`, `getTuple`
 * and `list` are LangGraph's, its `getTuple` statements prepared, and its reads find a
 * checkpoint's blobs by their key, not among all its thread's (`blobsByIndex`).
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
  // The puts of several threads: the same rows, each blob row naming its checkpoint's thread.
  const putCheckpoints = preparedStatement(
    `WITH blobs AS (
       INSERT INTO ${s}.checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
       SELECT b.thread_id, b.checkpoint_ns, b.channel, b.version, b.type, b.blob
       FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bytea[])
         AS b(thread_id, checkpoint_ns, channel, version, type, blob)
       ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING)
     INSERT INTO ${s}.checkpoints
       (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
     SELECT c.thread_id, c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id,
       c.checkpoint::jsonb, c.metadata::jsonb
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
       AS c(thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
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
  // The calls of several threads: the rows of the calls that replace, and of those that keep.
  const putManyWrites = preparedStatement(
    `WITH given AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::integer[],
         $6::text[], $7::text[], $8::bytea[], $9::boolean[])
         AS w(thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, replace)),
     replaced AS (
       INSERT INTO ${s}.checkpoint_writes
         (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
       SELECT thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob
       FROM given WHERE replace
       ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
       DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob)
     INSERT INTO ${s}.checkpoint_writes
       (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
     SELECT thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob
     FROM given WHERE NOT replace
     ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO NOTHING`,
  );
  const deleteThread = preparedStatement(
    `WITH blobs AS (DELETE FROM ${s}.checkpoint_blobs WHERE thread_id = $1),
       writes AS (DELETE FROM ${s}.checkpoint_writes WHERE thread_id = $1)
     DELETE FROM ${s}.checkpoints WHERE thread_id = $1`,
  );
  const select = async <R>(statement: PreparedStatement, values: unknown[]): Promise<R[]> =>
    (await pool.query(boundQuery(statement, values, "checkpointer"))).rows as R[];
  const query = async (statement: PreparedStatement, values: unknown[]) => {
    await select(statement, values);
  };

  // The puts, and the writes, of different threads asked for in one turn of the event
  // loop go in one statement (one thread's are never in one batch: they keep their
  // order); a statement that fails is sent again for each alone, for its own answer.
  const checkpoints = new StatementBatch<CheckpointRow, void>({
    one: (c) =>
      query(putCheckpoint, [
        c.threadId,
        c.ns,
        c.id,
        c.parentId,
        c.checkpoint,
        c.metadata,
        c.blobs.map((b) => b.channel),
        c.blobs.map((b) => b.version),
        c.blobs.map((b) => b.type),
        c.blobs.map((b) => b.blob),
      ]),
    many: async (rows) => {
      const blobs = rows.flatMap((c) => c.blobs.map((b) => ({ ...b, c })));
      await query(putCheckpoints, [
        rows.map((c) => c.threadId),
        rows.map((c) => c.ns),
        rows.map((c) => c.id),
        rows.map((c) => c.parentId),
        rows.map((c) => c.checkpoint),
        rows.map((c) => c.metadata),
        blobs.map((b) => b.c.threadId),
        blobs.map((b) => b.c.ns),
        blobs.map((b) => b.channel),
        blobs.map((b) => b.version),
        blobs.map((b) => b.type),
        blobs.map((b) => b.blob),
      ]);
      return rows.map(() => undefined);
    },
  });
  const writeCalls = new StatementBatch<WritesCall, void>({
    one: (call) =>
      query(call.replace ? upsertWrites : keepWrites, [
        call.threadId,
        call.ns,
        call.checkpointId,
        call.taskId,
        call.rows.map((w) => w.idx),
        call.rows.map((w) => w.channel),
        call.rows.map((w) => w.type),
        call.rows.map((w) => w.blob),
      ]),
    many: async (calls) => {
      const rows = calls.flatMap((call) => call.rows.map((w) => ({ ...w, call })));
      await query(putManyWrites, [
        rows.map((w) => w.call.threadId),
        rows.map((w) => w.call.ns),
        rows.map((w) => w.call.checkpointId),
        rows.map((w) => w.call.taskId),
        rows.map((w) => w.idx),
        rows.map((w) => w.channel),
        rows.map((w) => w.type),
        rows.map((w) => w.blob),
        rows.map((w) => w.call.replace),
      ]);
      return calls.map(() => undefined);
    },
  });

  const latestId = preparedStatement(
    `SELECT ${latestCheckpointIdOf(`${s}.checkpoints`, "$1")} AS checkpoint_id`,
  );
  const latestIds = preparedStatement(
    `SELECT ${latestCheckpointIdOf(`${s}.checkpoints`, "k.thread_id")} AS checkpoint_id
     FROM unnest($1::text[]) WITH ORDINALITY AS k(thread_id, i) ORDER BY k.i`,
  );
  const heads = new StatementBatch<string, string | undefined>({
    one: async (threadId) =>
      (await select<{ checkpoint_id: string | null }>(latestId, [threadId]))[0]?.checkpoint_id ??
      undefined,
    many: async (threadIds) =>
      (await select<{ checkpoint_id: string | null }>(latestIds, [threadIds])).map(
        (row) => row.checkpoint_id ?? undefined,
      ),
  });

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
      await checkpoints.write(
        {
          threadId: thread_id,
          ns: checkpoint_ns,
          id: checkpoint.id,
          parentId: checkpoint_id ?? null,
          checkpoint: JSON.stringify(this._dumpCheckpoint(checkpoint)),
          metadata: JSON.stringify(dumpedMetadata),
          blobs: blobs.map((b) => ({
            channel: b[2],
            version: b[3],
            type: b[4],
            blob: bytes(b[5]),
          })),
        },
        threadKey(thread_id, checkpoint_ns),
      );
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
      const { thread_id, checkpoint_ns, checkpoint_id } = config.configurable ?? {};
      await writeCalls.write(
        {
          threadId: thread_id,
          ns: checkpoint_ns,
          checkpointId: checkpoint_id,
          taskId,
          replace: special,
          rows: [...byIndex.values()].map((w) => ({
            idx: w[4],
            channel: w[5],
            type: w[6],
            blob: bytes(w[7]),
          })),
        },
        threadKey(thread_id, checkpoint_ns),
      );
    }

    override async deleteThread(threadId: string): Promise<void> {
      await query(deleteThread, [threadId]);
    }

    /**
     * The id `getTuple` answers a read of the thread's latest checkpoint with (root
     * namespace), found in the checkpoints' index without reading the checkpoint, its
     * blobs or its writes; the reads of one turn in one statement.
     */
    async latestCheckpointId(threadId: string): Promise<string | undefined> {
      return heads.write(threadId);
    }
  }
  return new CompactPostgresSaver(gatheringTupleReads(pool), undefined, { schema });
}
