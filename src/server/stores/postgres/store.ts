import type { Pool } from "pg";
import { encode, eventText, isFinished, metadataEntries, type RecordDecoder } from "../codec.js";
import { StoreConflictError } from "../errors.js";
import type { Leg, ThreadClaim, ThreadEnd } from "../replicas.js";
import type {
  PurgedRun,
  RunSearch,
  RunStore,
  RunWritten,
  StoredEvent,
  StoredRun,
  StoredThread,
  StoreFaults,
  ThreadChanges,
  ThreadSearch,
  ThreadStore,
} from "../store.js";
import { latestRunChanges } from "../store.js";
import { StatementBatch } from "./batch.js";
import { latestCheckpointIdOf } from "./saver.js";
import { channelsOf, quoteIdent } from "./schema.js";
import { StorePool } from "./unavailable.js";

/** The PostgreSQL error code of a unique violation. */
const UNIQUE_VIOLATION = "23505";
/** The PostgreSQL error code of a foreign key violation (an event of a deleted run). */
const FOREIGN_KEY_VIOLATION = "23503";

/** The row a run's write returns: the run's push config count, as of the write. */
interface WrittenRow {
  push_configs: number;
  /** The run's head, when the write named it. */
  head?: string | null;
}

/**
 * What a run's write found, from the row it returned: the UPDATE's row is the run's latest
 * version, so it counts every config committed before the write took the run's row.
 */
const written = (rows: readonly WrittenRow[]): RunWritten | false => {
  const row = rows[0];
  if (!row) return false;
  return typeof row.head === "string"
    ? { pushConfigs: row.push_configs > 0, head: row.head }
    : { pushConfigs: row.push_configs > 0 };
};

/** A run to store queued (or claimed by `owner`), its record's JSON text made. */
interface QueuedInsert {
  run: StoredRun;
  leg: Leg;
  thread?: ThreadClaim | undefined;
  /** The thread's record as last read, and as the run's claim makes it (see `latestEdit`). */
  latest?: ThreadEdit | undefined;
  owner: number | undefined;
  text: string;
}

/**
 * The parts of the statement that stores new runs and claims their threads which name
 * a run's baseline, when `named` (else none, and no checkpoint table is read), in the
 * tables of `schema` (quoted). `t` is the claimed thread's row, `g` the given run (its
 * `claim`, and `named` when it asks for a baseline).
 *
 * The baseline is the thread's latest checkpoint in the snapshot the statement reads.
 * That holds every checkpoint of the thread when the thread was free in the snapshot
 * and has not been written since, which the claim checks: the row version it updates
 * must be the one the snapshot shows (`xmin`), else it fails, and the run is stored
 * again without a baseline. Checkpoints are only written while a thread is held, and a
 * hold ends after its checkpoints are stored.
 */
function baselineParts(named: boolean, schema: string) {
  if (!named) return { check: "", baseline: "NULL::text" };
  return {
    check: `AND (NOT g.named OR t.xmin = (SELECT s.xmin FROM ${schema}.threads s WHERE s.thread_id = t.thread_id))`,
    baseline: `CASE WHEN g.named AND (SELECT s.busy_run_id IS NULL FROM ${schema}.threads s WHERE s.thread_id = t.thread_id)
      THEN coalesce(${latestCheckpointIdOf(`${schema}.checkpoints`, "g.claim")}, '')
    END`,
  };
}

/**
 * SQL: `record`, the JSON text of an object, with the field `key` added at its end, set
 * to the text `value` (SQL expressions both). The object must not hold the field yet.
 */
const withField = (record: string, key: string, value: string) =>
  `left(${record}, -1) || ',"${key}":' || to_json(${value})::text || '}'`;

/**
 * A new run's record with its baseline, when the claim named one (`c`): a run's record
 * holds no baseline before its run executes.
 */
const recordWithBaseline = `CASE WHEN c.baseline IS NULL THEN g.record
  ELSE ${withField("g.record", "baseline", "c.baseline")} END`;

/**
 * Whether the thread `t`'s record can be changed as `jsonb` (`g.now` holding the fields
 * to set, no read given in `g.was`): one without any `\u` escape. PostgreSQL's `jsonb`
 * refuses a `\u0000` and a lone surrogate, which JSON text may hold.
 */
const editedAsJsonb = "g.was IS NULL AND g.now IS NOT NULL AND strpos(t.record, '\\u') = 0";

/**
 * The columns of the thread `t` a new run `g` claims: held by the run, and made the run's
 * latest: its record replaced by `g.now` when still the one last read (`g.was`), or, not
 * read, `g.now`'s fields set in it when `jsonb` takes it (`editedAsJsonb`).
 */
const claimedThread = `busy_run_id = g.run_id,
  updated_at = CASE WHEN t.record = g.was OR (${editedAsJsonb}) THEN g.created_at
    ELSE t.updated_at END,
  record = CASE WHEN t.record = g.was THEN g.now
    WHEN ${editedAsJsonb} THEN (t.record::jsonb || g.now::jsonb)::text
    ELSE t.record END`;

/**
 * Whether the claim of the thread `t` made the run `g` its latest (see `claimedThread`);
 * read from the new row, whose record keeps no escape the edit did not find.
 */
const claimedLatest = `coalesce(t.record = g.now OR (${editedAsJsonb}), false) AS latest`;

/**
 * The head the write of a run's end names, when `named` (else none, and no checkpoint
 * table is read): the latest checkpoint of the thread `thread` (an SQL expression) in
 * `schema` (quoted), in the write's snapshot, `""` for none. The run still holds the
 * thread, and its graph's checkpoints were stored before its end is written: the
 * snapshot has them all.
 */
const headOf = (named: boolean, schema: string, thread: string) =>
  named ? `coalesce(${latestCheckpointIdOf(`${schema}.checkpoints`, thread)}, '')` : "NULL::text";

/**
 * A run's record text with its head (`head`, an SQL expression) added when `named` (an
 * SQL boolean): the execution leaves the head out of the record then.
 */
const recordWithHead = (record: string, named: string, head: string) =>
  `CASE WHEN ${named} THEN ${withField(record, "head", head)} ELSE ${record} END`;

/** A write of a run by the execution that owns it, its texts made. */
interface OwnedUpdate {
  run: StoredRun;
  owner: number;
  attempt: number;
  release: boolean;
  thread: ThreadEnd | undefined;
  /** The events' ids and JSON texts. */
  events: [number[], string[]];
  text: string;
}

/**
 * What a run's write is keyed by in a batch: its thread, so that no two writes of a
 * batch claim or free one thread, nor write one run; the run when it has no thread.
 */
const batchKey = (threadId: string | null | undefined, run: StoredRun) =>
  threadId == null ? `run ${run.run_id}` : `thread ${threadId}`;

const codeOf = (err: unknown) =>
  typeof err === "object" && err !== null && "code" in err ? err.code : undefined;

/**
 * How a record's searchable metadata is indexed: one array element per key, the JSON
 * text of `[key, value]` (the value as `metadataEntries` indexes it). A search for some
 * keys is then array containment, which a GIN index answers.
 */
const metadataIndex = (metadata: unknown): string[] =>
  metadataEntries(metadata).map((entry) => JSON.stringify(entry));

/**
 * Runs in PostgreSQL. A record is stored as its JSON text (`text`, not `jsonb`: jsonb
 * refuses the `\u0000` that JSON strings may hold), beside the columns searches filter
 * and sort on. Every write that changes a run or its event log notifies
 * its schema's `runs` channel (`channelsOf`) with the run's id, in the writing transaction, so a replica that
 * serves the run's stream hears of it when it is committed.
 */
export class PostgresRunStore implements RunStore {
  private readonly t: string;
  /** Where queued runs, and runs whose end lets queued ones go, are announced. */
  private readonly queue: string;
  private readonly channel: string;

  /** The database; a connection-class failure is a `StoreUnavailableError`. */
  private readonly pool: StorePool;

  constructor(
    opened: Promise<Pool>,
    schema: string,
    private readonly decoder: RecordDecoder,
    private readonly faults?: StoreFaults,
    /** The store's threads, which a new thread run's `insert` makes it the latest of. */
    private readonly threads = new PostgresThreadStore(opened, schema, decoder),
  ) {
    this.t = quoteIdent(schema);
    const channels = channelsOf(schema);
    this.channel = channels.runs;
    this.queue = channels.queue;
    this.pool = new StorePool(opened, "runs");
    this.inserts = new StatementBatch({
      one: (insert) => this.insertQueuedAlone(insert),
      many: (inserts) => this.insertQueuedMany(inserts),
    });
    this.ends = new StatementBatch({
      one: (write) => this.updateOwnedAlone(write),
      many: (writes) => this.updateOwnedMany(writes),
    });
  }

  /** The creations of runs, stored together when several come in a turn. */
  private readonly inserts: StatementBatch<QueuedInsert, string | undefined>;
  /** The owned writes of runs, stored together when several come in a turn. */
  private readonly ends: StatementBatch<OwnedUpdate, RunWritten | false>;

  /**
   * Stores a new run; with `thread`, claims the thread and makes the run its latest in
   * the same statement, as `insertQueued` does (unqueued, as a store one process owns
   * stores it).
   */
  async insert(run: StoredRun, thread?: ThreadClaim): Promise<string | undefined> {
    const text = encode(run, "runs.insert");
    const latest = thread && this.threads.latestEdit(thread.threadId, run);
    let answer: { inserted: boolean; latest: boolean | null } | undefined;
    try {
      const { rows } = await this.pool.query<{ inserted: boolean; latest: boolean | null }>(
        `WITH g AS (SELECT $1::text AS run_id, $5::text AS created_at, $11::text AS claim,
             $12::text AS over, $13::text AS was, $14::text AS now),
         claimed AS (
           UPDATE ${this.t}.threads t SET ${claimedThread}
           FROM g
           WHERE t.thread_id = g.claim
             AND (t.busy_run_id IS NULL OR t.busy_run_id = g.run_id OR t.busy_run_id = g.over)
           RETURNING ${claimedLatest}),
         inserted AS (
           INSERT INTO ${this.t}.runs
             (run_id, thread_id, agent_id, status, created_at, updated_at, finished, meta, record)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
           WHERE $11::text IS NULL OR EXISTS (SELECT 1 FROM claimed)
           RETURNING run_id)
         SELECT EXISTS (SELECT 1 FROM inserted) AS inserted,
           (SELECT latest FROM claimed) AS latest,
           (SELECT count(pg_notify($10, run_id)) FROM inserted) AS notified`,
        [
          ...this.columns(run),
          text,
          this.channel,
          thread?.threadId ?? null,
          thread?.over ?? null,
          latest?.was ?? null,
          latest?.now ?? null,
        ],
      );
      answer = rows[0];
    } catch (err) {
      if (codeOf(err) === UNIQUE_VIOLATION) {
        throw new StoreConflictError(`run ${run.run_id} is already stored`, "runs.insert");
      }
      throw err;
    }
    const insert = { run, thread };
    if (answer?.inserted) return this.madeLatest(insert, answer.latest);
    return (await this.holderOf(thread?.threadId))?.busy_run_id ?? "";
  }

  /** The thread's row as far as its holder goes; undefined when it is not stored. */
  private async holderOf(
    threadId: string | undefined,
  ): Promise<{ busy_run_id: string | null } | undefined> {
    const { rows } = await this.pool.query<{ busy_run_id: string | null }>(
      `SELECT busy_run_id FROM ${this.t}.threads WHERE thread_id = $1`,
      [threadId],
    );
    return rows[0];
  }

  /**
   * Stores a new run queued for execution from `leg`, in one statement, so that no run
   * is ever stored pending without being queued; or, with `owner`, already claimed by
   * that replica (execution 1), which then executes it. With `thread`, the run also claims
   * its thread in that statement (as `ThreadStore.claim` does, over the run `over` it
   * is queued behind or replaces), so a thread is never held by a run that is not
   * stored; it then waits for `over` to end. Returns the run holding the thread when
   * the claim fails (`""` when the thread is not stored), storing nothing.
   */
  async insertQueued(
    run: StoredRun,
    leg: Leg,
    thread: ThreadClaim | undefined,
    owner: number | undefined,
  ): Promise<string | undefined> {
    const text = encode(run, "runs.insert");
    const latest = thread && this.threads.latestEdit(thread.threadId, run);
    // It goes with the others created in this turn, none of them on its thread.
    return this.inserts.write(
      { run, leg, thread, latest, owner, text },
      batchKey(thread?.threadId, run),
    );
  }

  /**
   * Settles the insert of a run its claim stored: when the claim's statement did not make
   * the run its thread's latest (`latest` not true: the thread was written since it was
   * read, or, not read lately, its record holds an escape `jsonb` refuses), a patch of
   * its own does.
   */
  private async madeLatest(
    insert: Pick<QueuedInsert, "run" | "thread">,
    latest: boolean | null,
  ): Promise<undefined> {
    if (insert.thread && latest !== true) {
      await this.threads.patch(insert.thread.threadId, latestRunChanges(insert.run));
    }
    return undefined;
  }

  /** `insertQueued` in a statement of its own. */
  private async insertQueuedAlone(insert: QueuedInsert): Promise<string | undefined> {
    const { run, leg, thread, owner, text } = insert;
    const named = thread?.onBaseline !== undefined;
    const params = [
      ...this.columns(run),
      text,
      JSON.stringify(leg),
      thread?.over ?? null,
      this.channel,
      this.queue,
      thread?.threadId ?? null,
      owner ?? null,
      named,
      insert.latest?.was ?? null,
      insert.latest?.now ?? null,
    ];
    const parts = baselineParts(named, this.t);
    type Answer = { inserted: boolean; baseline: string | null; latest: boolean | null };
    let answer: Answer | undefined;
    try {
      const { rows } = await this.pool.prepared<Answer>(
        `WITH g AS (SELECT $1::text AS run_id, $14::text AS claim, $11::text AS over,
             $16::boolean AS named, $9::text AS record, $5::text AS created_at,
             $17::text AS was, $18::text AS now),
         claimed AS (
           UPDATE ${this.t}.threads t SET ${claimedThread}
           FROM g
           WHERE t.thread_id = g.claim
             AND (t.busy_run_id IS NULL OR t.busy_run_id = g.run_id OR t.busy_run_id = g.over)
             ${parts.check}
           RETURNING g.run_id, ${parts.baseline} AS baseline, ${claimedLatest}),
         inserted AS (
           INSERT INTO ${this.t}.runs
             (run_id, thread_id, agent_id, status, created_at, updated_at, finished, meta, record,
              queued, leg, after_run, owner, attempt)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, ${recordWithBaseline},
             $15::integer IS NULL, $10, $11, $15,
             CASE WHEN $15::integer IS NULL THEN 0 ELSE 1 END
           FROM g LEFT JOIN claimed c ON c.run_id = g.run_id
           WHERE $14::text IS NULL OR c.run_id IS NOT NULL
           RETURNING run_id)
         SELECT EXISTS (SELECT 1 FROM inserted) AS inserted,
           (SELECT baseline FROM claimed) AS baseline, (SELECT latest FROM claimed) AS latest,
           (SELECT count(pg_notify($12, run_id))
                 + count(CASE WHEN $15::integer IS NULL THEN pg_notify($13, run_id) END)
              FROM inserted) AS notified`,
        params,
      );
      answer = rows[0];
    } catch (err) {
      if (codeOf(err) === UNIQUE_VIOLATION) {
        throw new StoreConflictError(`run ${run.run_id} is already stored`, "runs.insert");
      }
      throw err;
    }
    if (answer?.inserted) {
      if (answer.baseline !== null) thread?.onBaseline?.(answer.baseline);
      return this.madeLatest(insert, answer.latest);
    }
    return this.refused(insert, await this.holderOf(thread?.threadId));
  }

  /**
   * The answer to a run whose thread claim failed: the thread's holder, read after the
   * claim (`""` when the thread is not stored). A claim that asked for the baseline
   * also fails when the thread was written after the statement's snapshot; when the
   * thread is free now, the run is stored again without it (its execution names it).
   */
  private refused(
    insert: QueuedInsert,
    row: { busy_run_id: string | null } | undefined,
  ): Promise<string | undefined> | string {
    const thread = insert.thread;
    if (row && row.busy_run_id === null && thread?.onBaseline !== undefined) {
      const { onBaseline: _, ...plain } = thread;
      return this.insertQueuedAlone({ ...insert, thread: plain });
    }
    return row?.busy_run_id ?? "";
  }

  /**
   * Replaces a run that waits at an interrupt with `run` (now pending) and queues it to
   * execute from `leg`, in one statement; false, writing nothing, when it is already
   * queued or executing (a second resume).
   */
  async requeue(run: StoredRun, leg: Leg): Promise<boolean> {
    const text = encode(run, "runs.update");
    const { rowCount } = await this.pool.query(
      `WITH queued AS (
         UPDATE ${this.t}.runs SET status = $2, updated_at = $3, finished = $4, record = $5,
           queued = true, leg = $6
         WHERE run_id = $1 AND NOT queued AND owner IS NULL RETURNING run_id)
       SELECT pg_notify($7, run_id), pg_notify($8, run_id) FROM queued`,
      [
        run.run_id,
        run.status,
        run.updated_at,
        isFinished(run),
        text,
        JSON.stringify(leg),
        this.channel,
        this.queue,
      ],
    );
    return rowCount === 1;
  }

  /**
   * Gives a run back to the queue while execution `attempt` of replica `owner` owns it
   * (a replica that shuts down): the run is stored as it is, still pending, and queued
   * again from the same leg for another replica to take over (the next claim is a
   * takeover: it counts as an attempt and continues from the run's last checkpoint).
   * False, writing nothing, when the execution no longer owns it.
   */
  async handBack(run: StoredRun, owner: number, attempt: number): Promise<boolean> {
    const text = encode(run, "runs.update");
    const { rowCount } = await this.pool.query(
      `WITH queued AS (
         UPDATE ${this.t}.runs SET updated_at = $2, record = $3, queued = true, owner = NULL
         WHERE run_id = $1 AND owner = $4 AND attempt = $5 AND status = 'pending'
         RETURNING run_id)
       SELECT pg_notify($6, run_id), pg_notify($7, run_id) FROM queued`,
      [run.run_id, run.updated_at, text, owner, attempt, this.channel, this.queue],
    );
    return rowCount === 1;
  }

  /**
   * Replaces the run only while execution `attempt` of replica `owner` owns it; with
   * `release`, the execution ends: the run has no owner any more, and the runs queued
   * behind it on its thread may be claimed (announced on the queue channel when its
   * thread has runs queued: the end of any other run wakes no replica's workers). With `thread`, the run's
   * thread is freed and given its status in the same statement.
   */
  async updateOwned(
    run: StoredRun,
    owner: number,
    attempt: number,
    release: boolean,
    thread?: ThreadEnd,
    events: readonly StoredEvent[] = [],
  ): Promise<RunWritten | false> {
    const text = encode(run, "runs.update");
    const eventTexts = this.eventColumns(events);
    if (run.status !== "pending") this.faults?.beforeRunEnd?.(run);
    const write: OwnedUpdate = { run, owner, attempt, release, thread, events: eventTexts, text };
    // It goes with the others written in this turn, none of them of its thread.
    return this.ends.write(write, batchKey(run.thread_id ?? thread?.threadId, run));
  }

  /** `updateOwned` in a statement of its own. */
  private async updateOwnedAlone(write: OwnedUpdate): Promise<RunWritten | false> {
    const { run, owner, attempt, release, thread, text } = write;
    const [ids, texts] = write.events;
    const named = thread?.nameHead === true;
    const head = headOf(named, this.t, "$15");
    const { rows } = await this.pool.prepared<WrittenRow>(
      `WITH updated AS (
         UPDATE ${this.t}.runs SET thread_id = $2, agent_id = $3, status = $4, created_at = $5,
           updated_at = $6, finished = $7, meta = $8,
           record = ${named ? recordWithHead("$9", "true", head) : "$9"},
           owner = CASE WHEN $12 THEN NULL ELSE owner END
         WHERE run_id = $1 AND owner = $10 AND attempt = $11
         RETURNING run_id, push_configs, ${head} AS head),
       appended AS (
         INSERT INTO ${this.t}.run_events (run_id, event_id, data)
         SELECT $1, e.id, e.data FROM unnest($17::int[], $18::text[]) AS e(id, data)
         WHERE EXISTS (SELECT 1 FROM updated)
         ON CONFLICT DO NOTHING
         RETURNING run_id),
       freed AS (
         UPDATE ${this.t}.threads SET busy_run_id = NULL, status = $16, updated_at = $6
         WHERE thread_id = $15 AND busy_run_id = $1 AND EXISTS (SELECT 1 FROM updated)
         RETURNING thread_id)
       SELECT push_configs, head, pg_notify($13, run_id),
         CASE WHEN $12 AND EXISTS (
           SELECT 1 FROM ${this.t}.runs q WHERE q.thread_id = $2 AND q.queued
         ) THEN pg_notify($14, run_id) END,
         (SELECT count(*) FROM freed) AS freed, (SELECT count(*) FROM appended) AS appended
       FROM updated`,
      [
        ...this.columns(run),
        text,
        owner,
        attempt,
        release,
        this.channel,
        this.queue,
        thread?.threadId ?? null,
        thread?.status ?? null,
        ids,
        texts,
      ],
    );
    return written(rows);
  }

  async update(
    run: StoredRun,
    events: readonly StoredEvent[] = [],
    thread?: ThreadEnd,
  ): Promise<RunWritten | false> {
    const text = encode(run, "runs.update");
    const [ids, texts] = this.eventColumns(events);
    if (run.status !== "pending") this.faults?.beforeRunEnd?.(run);
    // The thread's columns win over its record (see `PostgresThreadStore.decode`): its
    // end is written there alone, in the same statement as the run's.
    const { rows } = await this.pool.prepared<WrittenRow>(
      `WITH updated AS (
         UPDATE ${this.t}.runs SET thread_id = $2, agent_id = $3, status = $4, created_at = $5,
           updated_at = $6, finished = $7, meta = $8, record = $9
         WHERE run_id = $1 RETURNING run_id, push_configs),
       appended AS (
         INSERT INTO ${this.t}.run_events (run_id, event_id, data)
         SELECT $1, e.id, e.data FROM unnest($11::int[], $12::text[]) AS e(id, data)
         WHERE EXISTS (SELECT 1 FROM updated)
         ON CONFLICT DO NOTHING
         RETURNING run_id),
       freed AS (
         UPDATE ${this.t}.threads SET status = $14, updated_at = $6,
           busy_run_id = CASE WHEN busy_run_id = $1 THEN NULL ELSE busy_run_id END
         WHERE thread_id = $13
         RETURNING thread_id)
       SELECT push_configs, pg_notify($10, run_id), (SELECT count(*) FROM appended) AS appended,
         (SELECT count(*) FROM freed) AS freed
       FROM updated`,
      [
        ...this.columns(run),
        text,
        this.channel,
        ids,
        texts,
        thread?.threadId ?? null,
        thread?.status ?? null,
      ],
    );
    return written(rows);
  }

  /**
   * Runs stored queued (or claimed) in one statement, as `insertQueuedAlone` stores
   * each: a run with a thread is stored when it claims its thread (no two of a batch
   * claim one thread), and answered the run holding the thread, read after the
   * statement as alone, when the claim fails. The statement stores all the runs whose
   * claim succeeds, or none (a run refused, by a unique violation say, fails the
   * statement, and the batch writes each alone for its own answer).
   */
  private async insertQueuedMany(
    inserts: readonly QueuedInsert[],
  ): Promise<(string | undefined)[]> {
    const column = <T>(of: (insert: QueuedInsert) => T) => inserts.map(of);
    const parts = baselineParts(
      inserts.some((i) => i.thread?.onBaseline !== undefined),
      this.t,
    );
    const { rows } = await this.pool.prepared<{
      run_id: string;
      baseline: string | null;
      latest: boolean | null;
    }>(
      `WITH given AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
           $6::text[], $7::boolean[], $8::text[], $9::text[], $10::text[], $11::integer[],
           $14::text[], $15::text[], $16::boolean[], $17::text[], $18::text[])
           AS g(run_id, thread_id, agent_id, status, created_at, updated_at, finished, meta,
             record, leg, owner, claim, over, named, was, now)),
       claimed AS (
         UPDATE ${this.t}.threads t SET ${claimedThread}
         FROM given g
         WHERE t.thread_id = g.claim
           AND (t.busy_run_id IS NULL OR t.busy_run_id = g.run_id OR t.busy_run_id = g.over)
           ${parts.check}
         RETURNING g.run_id, ${parts.baseline} AS baseline, ${claimedLatest}),
       inserted AS (
         INSERT INTO ${this.t}.runs
           (run_id, thread_id, agent_id, status, created_at, updated_at, finished, meta, record,
            queued, leg, after_run, owner, attempt)
         SELECT g.run_id, g.thread_id, g.agent_id, g.status, g.created_at, g.updated_at,
           g.finished, ARRAY(SELECT json_array_elements_text(g.meta::json)), ${recordWithBaseline},
           g.owner IS NULL, g.leg, g.over, g.owner, CASE WHEN g.owner IS NULL THEN 0 ELSE 1 END
         FROM given g LEFT JOIN claimed c ON c.run_id = g.run_id
         WHERE g.claim IS NULL OR c.run_id IS NOT NULL
         RETURNING run_id, owner)
       SELECT i.run_id, c.baseline, c.latest, pg_notify($12, i.run_id),
         CASE WHEN i.owner IS NULL THEN pg_notify($13, i.run_id) END
       FROM inserted i LEFT JOIN claimed c ON c.run_id = i.run_id`,
      [
        column((i) => i.run.run_id),
        column((i) => i.run.thread_id ?? null),
        column((i) => i.run.agent_id),
        column((i) => i.run.status),
        column((i) => i.run.created_at),
        column((i) => i.run.updated_at),
        column((i) => isFinished(i.run)),
        column((i) => JSON.stringify(metadataIndex(i.run.creation.metadata))),
        column((i) => i.text),
        column((i) => JSON.stringify(i.leg)),
        column((i) => i.owner ?? null),
        this.channel,
        this.queue,
        column((i) => i.thread?.threadId ?? null),
        column((i) => i.thread?.over ?? null),
        column((i) => i.thread?.onBaseline !== undefined),
        column((i) => i.latest?.was ?? null),
        column((i) => i.latest?.now ?? null),
      ],
    );
    const byRun = new Map(inserts.map((i) => [i.run.run_id, i]));
    const stored = new Map<string, boolean | null>();
    for (const row of rows) {
      stored.set(row.run_id, row.latest);
      if (row.baseline !== null) byRun.get(row.run_id)?.thread?.onBaseline?.(row.baseline);
    }
    const refused = inserts.filter((i) => !stored.has(i.run.run_id));
    if (refused.length === 0) {
      return Promise.all(inserts.map((i) => this.madeLatest(i, stored.get(i.run.run_id) ?? null)));
    }
    // The runs whose claim failed: the thread's holder, as alone, read after the statement.
    const holders = await this.pool.query<{ thread_id: string; busy_run_id: string | null }>(
      `SELECT thread_id, busy_run_id FROM ${this.t}.threads WHERE thread_id = ANY($1::text[])`,
      [refused.map((i) => i.thread?.threadId)],
    );
    const rowOf = new Map(holders.rows.map((row) => [row.thread_id, row]));
    return Promise.all(
      inserts.map((i) =>
        stored.has(i.run.run_id)
          ? this.madeLatest(i, stored.get(i.run.run_id) ?? null)
          : this.refused(i, rowOf.get(i.thread?.threadId ?? "")),
      ),
    );
  }

  /**
   * Owned writes of runs in one statement, as `updateOwnedAlone` writes each: each run is
   * written while its execution owns it, with its events; with `thread`, that thread is
   * freed if the run holds it; a run that ends announces it on the queue channel when its
   * thread has runs queued. No two writes of a batch are of one thread (or one run on no
   * thread); each is answered as it would be alone.
   */
  private async updateOwnedMany(writes: readonly OwnedUpdate[]): Promise<(RunWritten | false)[]> {
    const column = <T>(of: (write: OwnedUpdate) => T) => writes.map(of);
    const eventRuns: string[] = [];
    const eventIds: number[] = [];
    const eventTexts: string[] = [];
    for (const write of writes) {
      const [ids, texts] = write.events;
      for (let i = 0; i < ids.length; i++) {
        eventRuns.push(write.run.run_id);
        eventIds.push(ids[i] as number);
        eventTexts.push(texts[i] as string);
      }
    }
    const named = writes.some((w) => w.thread?.nameHead === true);
    const head = headOf(named, this.t, "g.free_thread");
    const { rows } = await this.pool.prepared<WrittenRow & { run_id: string }>(
      `WITH given AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
           $6::text[], $7::boolean[], $8::text[], $9::text[], $10::integer[], $11::integer[],
           $12::boolean[], $13::text[], $14::text[], $20::boolean[])
           AS g(run_id, thread_id, agent_id, status, created_at, updated_at, finished, meta,
             record, owner, attempt, release, free_thread, thread_status, name_head)),
       updated AS (
         UPDATE ${this.t}.runs r SET thread_id = g.thread_id, agent_id = g.agent_id,
           status = g.status, created_at = g.created_at, updated_at = g.updated_at,
           finished = g.finished, meta = ARRAY(SELECT json_array_elements_text(g.meta::json)),
           record = ${named ? recordWithHead("g.record", "g.name_head", head) : "g.record"},
           owner = CASE WHEN g.release THEN NULL ELSE r.owner END
         FROM given g
         WHERE r.run_id = g.run_id AND r.owner = g.owner AND r.attempt = g.attempt
         RETURNING r.run_id, r.push_configs, g.thread_id, g.release, g.free_thread,
           g.thread_status, g.updated_at, CASE WHEN g.name_head THEN ${head} END AS head),
       appended AS (
         INSERT INTO ${this.t}.run_events (run_id, event_id, data)
         SELECT e.run_id, e.id, e.data
         FROM unnest($15::text[], $16::int[], $17::text[]) AS e(run_id, id, data)
         WHERE e.run_id IN (SELECT run_id FROM updated)
         ON CONFLICT DO NOTHING
         RETURNING run_id),
       freed AS (
         UPDATE ${this.t}.threads t SET busy_run_id = NULL, status = u.thread_status,
           updated_at = u.updated_at
         FROM updated u
         WHERE t.thread_id = u.free_thread AND t.busy_run_id = u.run_id
         RETURNING t.thread_id)
       SELECT u.run_id, u.push_configs, u.head, pg_notify($18, u.run_id),
         CASE WHEN u.release AND EXISTS (
           SELECT 1 FROM ${this.t}.runs q WHERE q.thread_id = u.thread_id AND q.queued
         ) THEN pg_notify($19, u.run_id) END,
         (SELECT count(*) FROM freed) AS freed, (SELECT count(*) FROM appended) AS appended
       FROM updated u`,
      [
        column((w) => w.run.run_id),
        column((w) => w.run.thread_id ?? null),
        column((w) => w.run.agent_id),
        column((w) => w.run.status),
        column((w) => w.run.created_at),
        column((w) => w.run.updated_at),
        column((w) => isFinished(w.run)),
        column((w) => JSON.stringify(metadataIndex(w.run.creation.metadata))),
        column((w) => w.text),
        column((w) => w.owner),
        column((w) => w.attempt),
        column((w) => w.release),
        column((w) => w.thread?.threadId ?? null),
        column((w) => w.thread?.status ?? null),
        eventRuns,
        eventIds,
        eventTexts,
        this.channel,
        this.queue,
        column((w) => w.thread?.nameHead === true),
      ],
    );
    const byRun = new Map(rows.map((row) => [row.run_id, row]));
    return writes.map((w) => {
      const row = byRun.get(w.run.run_id);
      return written(row ? [row] : []);
    });
  }

  /** Events as the two arrays a statement unnests: their ids and their JSON texts. */
  private eventColumns(events: readonly StoredEvent[]): [number[], string[]] {
    return [events.map((e) => e.id), events.map((e) => eventText(e, "runs.appendEvents"))];
  }

  async get(runId: string): Promise<StoredRun | undefined> {
    const { rows } = await this.pool.query<{ record: string }>(
      `SELECT record FROM ${this.t}.runs WHERE run_id = $1`,
      [runId],
    );
    const row = rows[0];
    return row ? this.decoder.run(row.record, runId) : undefined;
  }

  async search(query: RunSearch): Promise<StoredRun[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.threadId === null) where.push("thread_id IS NULL");
    else if (query.threadId !== undefined) where.push(`thread_id = ${param(query.threadId)}`);
    if (query.agentId !== undefined) where.push(`agent_id = ${param(query.agentId)}`);
    if (query.status !== undefined) where.push(`status = ${param(query.status)}`);
    const meta = metadataIndex(query.metadata);
    if (meta.length > 0) where.push(`meta @> ${param(meta)}::text[]`);
    const { rows } = await this.pool.query<{ run_id: string; record: string }>(
      `SELECT run_id, record FROM ${this.t}.runs
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_at COLLATE "C", seq
       LIMIT ${param(query.limit)} OFFSET ${param(query.offset ?? 0)}`,
      params,
    );
    return rows.flatMap((r) => this.decoder.run(r.record, r.run_id) ?? []);
  }

  async delete(runId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `WITH deleted AS (DELETE FROM ${this.t}.runs WHERE run_id = $1 RETURNING run_id)
       SELECT pg_notify($2, run_id) FROM deleted`,
      [runId, this.channel],
    );
    return rowCount === 1;
  }

  async deleteThreadRuns(threadId: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      `WITH deleted AS (DELETE FROM ${this.t}.runs WHERE thread_id = $1 RETURNING run_id)
       SELECT pg_notify($2, run_id) FROM deleted`,
      [threadId, this.channel],
    );
    return rowCount ?? 0;
  }

  async purgeFinished(updatedBefore: string, limit: number): Promise<PurgedRun[]> {
    const { rows } = await this.pool.query<{ run_id: string; thread_id: string | null }>(
      `DELETE FROM ${this.t}.runs WHERE run_id IN (
         SELECT run_id FROM ${this.t}.runs
         WHERE finished AND updated_at COLLATE "C" < $1
         ORDER BY updated_at COLLATE "C" LIMIT $2
         FOR UPDATE SKIP LOCKED)
       RETURNING run_id, thread_id`,
      [updatedBefore, limit],
    );
    return rows.map((r) => ({
      run_id: r.run_id,
      ...(r.thread_id !== null ? { thread_id: r.thread_id } : {}),
    }));
  }

  async appendEvents(runId: string, events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.pool.prepared(
        `WITH appended AS (
           INSERT INTO ${this.t}.run_events (run_id, event_id, data)
           SELECT $1, e.id, e.data FROM unnest($2::int[], $3::text[]) AS e(id, data)
           WHERE EXISTS (SELECT 1 FROM ${this.t}.runs WHERE run_id = $1)
           ON CONFLICT DO NOTHING
           RETURNING run_id)
         SELECT pg_notify($4, $1) WHERE EXISTS (SELECT 1 FROM appended)`,
        [
          runId,
          events.map((e) => e.id),
          events.map((e) => eventText(e, "runs.appendEvents")),
          this.channel,
        ],
      );
    } catch (err) {
      // The run was deleted between the check and the insert: its events go with it.
      if (codeOf(err) !== FOREIGN_KEY_VIOLATION) throw err;
    }
  }

  /**
   * Appends events of a run only while execution `attempt` of replica `owner` owns it,
   * so that an execution another replica took over cannot write into the log of the
   * one that goes on. Returns false, appending nothing, when it no longer owns the run.
   */
  async appendEventsOwned(
    runId: string,
    events: readonly StoredEvent[],
    owner: number,
    attempt: number,
  ): Promise<boolean> {
    const { rows } = await this.pool.prepared<{ owned: boolean }>(
      `WITH owned AS (
         SELECT run_id FROM ${this.t}.runs WHERE run_id = $1 AND owner = $5 AND attempt = $6
         FOR SHARE),
       appended AS (
         INSERT INTO ${this.t}.run_events (run_id, event_id, data)
         SELECT $1, e.id, e.data FROM unnest($2::int[], $3::text[]) AS e(id, data)
         WHERE EXISTS (SELECT 1 FROM owned)
         ON CONFLICT DO NOTHING
         RETURNING run_id),
       notified AS (SELECT pg_notify($4, $1) FROM (SELECT 1 FROM appended LIMIT 1) AS one)
       SELECT EXISTS (SELECT 1 FROM owned) AS owned, (SELECT count(*) FROM notified) AS notices`,
      [
        runId,
        events.map((e) => e.id),
        events.map((e) => eventText(e, "runs.appendEvents")),
        this.channel,
        owner,
        attempt,
      ],
    );
    return rows[0]?.owned === true;
  }

  async readEvents(runId: string, afterId: number, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<{ event_id: number; data: string }>(
      `SELECT event_id, data FROM ${this.t}.run_events
       WHERE run_id = $1 AND event_id > $2 ORDER BY event_id LIMIT $3`,
      [runId, afterId, limit],
    );
    return rows.flatMap((r) => this.decoder.event(r.data, runId, r.event_id) ?? []);
  }

  async deleteEvents(runId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.t}.run_events WHERE run_id = $1`, [runId]);
  }

  private columns(run: StoredRun): unknown[] {
    return [
      run.run_id,
      run.thread_id ?? null,
      run.agent_id,
      run.status,
      run.created_at,
      run.updated_at,
      isFinished(run),
      metadataIndex(run.creation.metadata),
    ];
  }
}

/** How many threads' last reads a patch may start from (see `PostgresThreadStore.recent`). */
const RECENT_READS = 256;

/**
 * Threads in PostgreSQL. The run that holds a thread is a column of its own
 * (`busy_run_id`), changed by one conditional `UPDATE`, so that of many replicas
 * claiming a thread at the same moment exactly one wins.
 */
export class PostgresThreadStore implements ThreadStore {
  private readonly t: string;

  /** The database; a connection-class failure is a `StoreUnavailableError`. */
  private readonly pool: StorePool;

  constructor(
    opened: Promise<Pool>,
    schema: string,
    private readonly decoder: RecordDecoder,
  ) {
    this.t = quoteIdent(schema);
    this.pool = new StorePool(opened, "threads");
    this.reads = new StatementBatch({
      one: (threadId) => this.rowAlone(threadId),
      many: (threadIds) => this.rowsOf(threadIds),
    });
    this.patches = new StatementBatch({
      one: (write) => this.patchAlone(write),
      many: (writes) => this.patchMany(writes),
    });
  }

  /** The reads of threads asked for in one turn, sent together. */
  private readonly reads: StatementBatch<string, Row | undefined>;
  /** The writes of patched threads asked for in one turn, sent together. */
  private readonly patches: StatementBatch<PatchWrite, string | null | undefined>;
  /**
   * The rows of the threads read last, by id, up to `RECENT_READS`: a patch's first
   * write is conditional on one of them instead of a read of its own (a thread read,
   * then patched). Its condition holds only if the thread is still
   * as read, else the patch reads the thread and writes again, as it would have.
   */
  private readonly recent = new Map<string, Row>();

  async create(thread: StoredThread): Promise<boolean> {
    const { busy_run_id: busy, ...record } = thread;
    const { rowCount } = await this.pool.query(
      `INSERT INTO ${this.t}.threads
         (thread_id, created_at, updated_at, status, meta, busy_run_id, record)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (thread_id) DO NOTHING`,
      [
        thread.thread_id,
        thread.created_at,
        thread.updated_at,
        thread.status,
        metadataIndex(thread.metadata),
        busy ?? null,
        encode(record, "threads.create"),
      ],
    );
    return rowCount === 1;
  }

  /**
   * How a new run `run` that claims the thread makes it its latest: from the thread's
   * record as last read here (taken from the reads kept for patches), the record to write
   * instead of it; else, not read lately, the fields to set in the stored record.
   */
  latestEdit(threadId: string, run: StoredRun): ThreadEdit {
    const changes = latestRunChanges(run);
    const row = this.recent.get(threadId);
    this.recent.delete(threadId);
    const thread = row && this.decode(row);
    if (!row || !thread) return { was: null, now: JSON.stringify(changes) };
    const { busy_run_id: _holder, ...record } = { ...thread, ...changes };
    return { was: row.record, now: encode(record, "runs.insert") };
  }

  async get(threadId: string): Promise<StoredThread | undefined> {
    const row = await this.row(threadId);
    if (!row) return undefined;
    this.recent.delete(threadId);
    this.recent.set(threadId, row);
    if (this.recent.size > RECENT_READS) {
      this.recent.delete(this.recent.keys().next().value as string);
    }
    return this.decode(row);
  }

  /**
   * Reads the thread and writes it back changed only if it is still as read (its record
   * and the columns a run's end writes): two statements and no lock held between them,
   * read again when another write came first. A thread read a moment ago by `get` is
   * written from that read: one statement.
   */
  async patch(threadId: string, changes: ThreadChanges): Promise<StoredThread | undefined> {
    let known = this.recent.get(threadId);
    this.recent.delete(threadId);
    for (;;) {
      const row = known ?? (await this.row(threadId));
      known = undefined;
      if (!row) return undefined;
      const thread = this.decode(row);
      if (!thread) return undefined;
      const { busy_run_id: _held, ...patched } = { ...thread, ...changes };
      const written = await this.patches.write({ threadId, patched, read: row }, threadId);
      if (written === undefined) continue;
      // The run holding the thread as of the write, which may be newer than the read.
      return written !== null ? { ...patched, busy_run_id: written } : patched;
    }
  }

  async search(query: ThreadSearch): Promise<StoredThread[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.status === "busy") where.push("busy_run_id IS NOT NULL");
    else if (query.status !== undefined) {
      where.push(`busy_run_id IS NULL AND status = ${param(query.status)}`);
    }
    const meta = metadataIndex(query.metadata);
    if (meta.length > 0) where.push(`meta @> ${param(meta)}::text[]`);
    const { rows } = await this.pool.query<Row>(
      `SELECT thread_id, busy_run_id, status, updated_at, record FROM ${this.t}.threads
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_at COLLATE "C", seq
       LIMIT ${param(query.limit)} OFFSET ${param(query.offset ?? 0)}`,
      params,
    );
    return rows.flatMap((r) => this.decode(r) ?? []);
  }

  async delete(threadId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.t}.threads WHERE thread_id = $1`,
      [threadId],
    );
    return rowCount === 1;
  }

  async claim(threadId: string, runId: string, over?: string): Promise<string | undefined> {
    for (;;) {
      const claimed = await this.pool.prepared(
        `UPDATE ${this.t}.threads SET busy_run_id = $2
         WHERE thread_id = $1 AND (busy_run_id IS NULL OR busy_run_id = $2 OR busy_run_id = $3)`,
        [threadId, runId, over ?? null],
      );
      if (claimed.rowCount === 1) return undefined;
      // Read in a statement of its own: under READ COMMITTED it sees the claim that won.
      const { rows } = await this.pool.query<{ busy_run_id: string | null }>(
        `SELECT busy_run_id FROM ${this.t}.threads WHERE thread_id = $1`,
        [threadId],
      );
      const row = rows[0];
      if (!row) return "";
      // Released between the two statements: claim again.
      if (row.busy_run_id !== null) return row.busy_run_id;
    }
  }

  async release(threadId: string, runId: string): Promise<boolean> {
    const { rowCount } = await this.pool.prepared(
      `UPDATE ${this.t}.threads SET busy_run_id = NULL WHERE thread_id = $1 AND busy_run_id = $2`,
      [threadId, runId],
    );
    return rowCount === 1;
  }

  /**
   * A patched thread written only if it is still as read; the run holding it as of the
   * write (`null` for none), or undefined when another write came first.
   */
  private async patchAlone({ threadId, patched, read }: PatchWrite) {
    const { rows } = await this.pool.prepared<{ busy_run_id: string | null }>(
      `UPDATE ${this.t}.threads SET updated_at = $2, status = $3, meta = $4, record = $5
       WHERE thread_id = $1 AND record = $6 AND status = $7 AND updated_at = $8
       RETURNING busy_run_id`,
      [
        threadId,
        patched.updated_at,
        patched.status,
        metadataIndex(patched.metadata),
        encode(patched, "threads.patch"),
        read.record,
        read.status,
        read.updated_at,
      ],
    );
    return rows[0]?.busy_run_id;
  }

  /** `patchAlone` for threads of a turn (no two of one thread), in one statement. */
  private async patchMany(writes: readonly PatchWrite[]) {
    const column = <T>(of: (write: PatchWrite) => T) => writes.map(of);
    const { rows } = await this.pool.prepared<{ thread_id: string; busy_run_id: string | null }>(
      `UPDATE ${this.t}.threads t SET updated_at = g.updated_at, status = g.status,
         meta = ARRAY(SELECT json_array_elements_text(g.meta::json)), record = g.record
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::text[], $8::text[])
         AS g(thread_id, updated_at, status, meta, record, read_record, read_status, read_updated_at)
       WHERE t.thread_id = g.thread_id AND t.record = g.read_record AND t.status = g.read_status
         AND t.updated_at = g.read_updated_at
       RETURNING t.thread_id, t.busy_run_id`,
      [
        column((w) => w.threadId),
        column((w) => w.patched.updated_at),
        column((w) => w.patched.status),
        column((w) => JSON.stringify(metadataIndex(w.patched.metadata))),
        column((w) => encode(w.patched, "threads.patch")),
        column((w) => w.read.record),
        column((w) => w.read.status),
        column((w) => w.read.updated_at),
      ],
    );
    const byThread = new Map(rows.map((row) => [row.thread_id, row.busy_run_id]));
    return writes.map((w) => (byThread.has(w.threadId) ? byThread.get(w.threadId) : undefined));
  }

  private row(threadId: string): Promise<Row | undefined> {
    return this.reads.write(threadId);
  }

  /** The rows of the threads read in one turn, in one statement. */
  private async rowsOf(threadIds: readonly string[]): Promise<(Row | undefined)[]> {
    const { rows } = await this.pool.prepared<Row>(
      `SELECT thread_id, busy_run_id, status, updated_at, record FROM ${this.t}.threads
       WHERE thread_id = ANY($1::text[])`,
      [threadIds],
    );
    const byId = new Map(rows.map((row) => [row.thread_id, row]));
    return threadIds.map((id) => byId.get(id));
  }

  private async rowAlone(threadId: string): Promise<Row | undefined> {
    const { rows } = await this.pool.prepared<Row>(
      `SELECT thread_id, busy_run_id, status, updated_at, record FROM ${this.t}.threads WHERE thread_id = $1`,
      [threadId],
    );
    return rows[0];
  }

  /**
   * The thread a row holds. Its columns win over the copy in `record`: the end of a
   * run frees its thread and sets its status in the columns alone (in the same
   * statement as the run's end, see `PostgresRunStore.updateOwned` and `update`).
   */
  private decode(row: Row): StoredThread | undefined {
    const thread = this.decoder.thread(row.record, row.thread_id);
    if (!thread) return undefined;
    const current = {
      ...thread,
      status: row.status as StoredThread["status"],
      updated_at: row.updated_at,
    };
    return row.busy_run_id !== null ? { ...current, busy_run_id: row.busy_run_id } : current;
  }
}

/** A thread patched, to write only while its row is still as `read`. */
interface PatchWrite {
  threadId: string;
  patched: Omit<StoredThread, "busy_run_id">;
  read: Row;
}

/**
 * How a run's claim makes it its thread's latest: the record read (`was`) and the record
 * to write instead (`now`); or, not read, `was` null and `now` the fields to set.
 */
interface ThreadEdit {
  was: string | null;
  now: string;
}

interface Row {
  thread_id: string;
  busy_run_id: string | null;
  status: string;
  updated_at: string;
  record: string;
}
