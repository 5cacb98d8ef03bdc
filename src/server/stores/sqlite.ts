import { ApiValueError } from "../../core/errors.js";
import { messageOf } from "../../core/message-of.js";
import {
  encode,
  eventText,
  isFinished,
  metadataEntries,
  RecordDecoder,
  type StoreLogger,
} from "./codec.js";
import { StoreConflictError, StoreError, StoreUnavailableError } from "./errors.js";
import type { ThreadClaim, ThreadEnd } from "./replicas.js";
import {
  type CheckpointSettings,
  type Checkpoints,
  checkpointSettings,
  type SqliteCheckpoints,
  startCheckpoints,
} from "./sqlite-checkpoints.js";
import {
  checkIntegrity,
  damagedFile,
  damageMessage,
  isDamage,
  type SqliteIntegrityCheck,
} from "./sqlite-damage.js";
import { SqlitePushConfigStore } from "./sqlite-push-configs.js";
import { migrateSqlite } from "./sqlite-schema.js";
import type {
  PurgedRun,
  RunSearch,
  RunStore,
  RunWritten,
  ServerStore,
  StoredEvent,
  StoredRun,
  StoredThread,
  StoreFaults,
  ThreadChanges,
  ThreadSearch,
  ThreadStore,
} from "./store.js";
import { latestRunChanges } from "./store.js";

/** How to build a SQLite store. */
export interface SqliteStoreOptions {
  /** Where it reports records it cannot read. Defaults to `console`. */
  logger?: StoreLogger;
  /** Test-only: makes writes fail at chosen points (see `StoreFaults`). */
  faults?: StoreFaults;
  /**
   * How the file is checked for damage when it is opened (see
   * {@link SqliteIntegrityCheck}). Default `"quick"`. A damaged file fails the first
   * operation, and so the start of a server on it, with a `StoreUnavailableError`
   * that names the file and says what to do.
   */
  integrityCheck?: SqliteIntegrityCheck;
  /**
   * Who copies the file's write-ahead log back into it (see {@link SqliteCheckpoints}).
   * Default `"worker"`: a worker thread of the store's own, off the thread that serves
   * requests.
   */
  checkpoints?: SqliteCheckpoints;
  /**
   * With `checkpoints: "worker"`, the longest the log waits for its checkpoint after a
   * write, in milliseconds (1 to 2^31 - 1); the worker checkpoints at most this often.
   * Default 200.
   */
  checkpointIntervalMs?: number;
}

export type { SqliteCheckpoints } from "./sqlite-checkpoints.js";
export type { SqliteIntegrityCheck } from "./sqlite-damage.js";

/** The part of a better-sqlite3 statement this store uses. */
interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** The part of a better-sqlite3 database this store uses. */
interface Database {
  readonly name: string;
  readonly memory: boolean;
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(source: string): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
}

type DatabaseConstructor = new (filename: string) => Database;

/** The driver, an optional peer dependency: loaded only when a SQLite store is used. */
const DRIVER = "better-sqlite3";

async function openDatabase(filename: string, check: SqliteIntegrityCheck): Promise<Database> {
  let driver: { default?: DatabaseConstructor } & DatabaseConstructor;
  try {
    driver = await import(DRIVER);
  } catch (err) {
    throw new StoreUnavailableError(
      `the SQLite store needs the package better-sqlite3 (npm install better-sqlite3@12): ${messageOf(
        err,
      )}`,
      "sqlite.open",
    );
  }
  const Driver = driver.default ?? driver;
  let db: Database | undefined;
  try {
    db = new Driver(filename);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    // Before the schema is written to it, and before a recovery would read runs from
    // it and fail on each one, again and again.
    checkIntegrity(db, filename, check);
    migrateSqlite(db);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof StoreUnavailableError) throw err;
    if (isDamage(err)) throw damagedFile(filename, messageOf(err));
    throw new StoreUnavailableError(`cannot open ${filename}: ${messageOf(err)}`, "sqlite.open");
  }
}

/**
 * A store in a SQLite database: a file, which keeps runs and threads across restarts,
 * or `":memory:"`. Each searchable field has an index that also gives the order of
 * results, so a search reads the rows it returns and not the others. One file serves
 * one server process at a time.
 *
 * Needs the optional peer dependency `better-sqlite3`; it is loaded at first use, and a
 * missing one is a `StoreUnavailableError` then (the server's `ready` rejects with it).
 */
export function sqliteStore(filename: string, options: SqliteStoreOptions = {}): ServerStore {
  const check = options.integrityCheck ?? "quick";
  if (!["quick", "full", "off"].includes(check)) {
    throw new ApiValueError(
      `integrityCheck must be "quick", "full" or "off", got ${JSON.stringify(check)}`,
      ["integrityCheck"],
    );
  }
  const logger = options.logger ?? console;
  const checkpoints: CheckpointSettings = {
    ...checkpointSettings(options.checkpoints, options.checkpointIntervalMs),
    logger,
    ...(options.faults?.failCheckpoints ? { failing: true } : {}),
  };
  const db = openDatabase(filename, check);
  const decoder = new RecordDecoder(logger);
  const statements = db.then((d) => new Statements(d, filename, startCheckpoints(d, checkpoints)));
  // Reported through the first operation, which awaits it (`close` handles `db`).
  statements.catch(() => undefined);
  const threads = new SqliteThreadStore(statements, decoder);
  return {
    runs: new SqliteRunStore(statements, decoder, threads, options.faults),
    threads,
    pushConfigs: new SqlitePushConfigStore(statements, logger),
    async close() {
      // The worker's connection first: the store's, closed last, checkpoints what is
      // left and removes the log. A database whose checkpoints did not start is closed too.
      await (await statements.catch(() => undefined))?.checkpoints.close();
      (await db.catch(() => undefined))?.close();
    },
  };
}

/**
 * Prepared statements, each prepared once. Damage met by any of them is a
 * `StoreError` naming the file, then and for every later statement: writing on into
 * a damaged file would only damage it further. Not a `StoreUnavailableError`, which
 * says "for now" and is waited out and retried: damage does not go away.
 */
export class Statements {
  private readonly cache = new Map<string, Statement>();
  private damage: StoreError | undefined;
  /**
   * Runs a write of a group in a savepoint of its own. Made once: a transaction
   * function costs several times a savepoint to make.
   */
  private readonly inSavepoint: (work: () => unknown) => unknown;

  constructor(
    readonly db: Database,
    private readonly filename: string,
    readonly checkpoints: Checkpoints,
  ) {
    this.inSavepoint = db.transaction((work: () => unknown) => work());
  }

  sql(text: string): Statement {
    let statement = this.cache.get(text);
    if (!statement) {
      const prepared = this.guard(() => this.db.prepare(text));
      statement = {
        run: (...params) => {
          const result = this.guard(() => prepared.run(...params));
          this.checkpoints.wrote();
          return result;
        },
        get: (...params) => this.guard(() => prepared.get(...params)),
        all: (...params) => this.guard(() => prepared.all(...params)),
      };
      this.cache.set(text, statement);
    }
    return statement;
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const transaction = this.db.transaction(fn);
    return (...args) => {
      const result = this.guard(() => transaction(...args));
      this.checkpoints.wrote();
      return result;
    };
  }

  /** The writes waiting for the next group commit, in the order they were asked for. */
  private grouped: Array<{
    work: () => unknown;
    resolve: (value: unknown) => void;
    reject: (err: unknown) => void;
  }> = [];

  /**
   * Runs `work` (a write of a run or a thread) in the next group commit: the writes
   * asked for in one turn of the event loop share one transaction, and one that fails
   * leaves the others as they are. Resolves once committed: a write is reported stored
   * only once it is. One commit for many writes is most of what a busy server saves (a
   * commit costs several times a small write). `work` only reads and writes the
   * database: it may be run twice, the first run undone (see `commitGroup`).
   */
  inGroupCommit<R>(work: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.grouped.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.grouped.length === 1) setImmediate(() => this.commitGroup());
    });
  }

  /**
   * Commits the waiting writes. They run one after another in one transaction; when
   * one of them fails, the whole transaction is undone and they run again, each in a
   * savepoint of its own that is undone alone when it fails. Not a savepoint for each
   * from the start: a savepoint keeps a copy of every page its write changes, which
   * costs more than the write in most groups, where nothing fails.
   */
  private commitGroup(): void {
    const group = this.grouped;
    this.grouped = [];
    let outcomes: GroupOutcome[];
    try {
      outcomes = this.runGroup(group, false) ?? (this.runGroup(group, true) as GroupOutcome[]);
    } catch (err) {
      // Not committed: none of the group is stored.
      for (const { reject } of group) reject(err);
      return;
    }
    group.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i] as GroupOutcome;
      if (outcome.ok) resolve(outcome.value);
      else reject(outcome.value);
    });
  }

  /**
   * Runs and commits the writes of a group, each in a savepoint when `isolated`.
   * Without savepoints, a write that fails undoes the group: undefined then.
   */
  private runGroup(
    group: ReadonlyArray<{ work: () => unknown }>,
    isolated: boolean,
  ): GroupOutcome[] | undefined {
    const outcomes: GroupOutcome[] = [];
    try {
      this.transaction(() => {
        for (const { work } of group) {
          if (!isolated) {
            outcomes.push({ ok: true, value: work() });
            continue;
          }
          try {
            outcomes.push({ ok: true, value: this.guard(() => this.inSavepoint(work)) });
          } catch (err) {
            outcomes.push({ ok: false, value: err });
          }
        }
      })();
    } catch (err) {
      if (isolated) throw err;
      return undefined;
    }
    return outcomes;
  }

  private guard<T>(work: () => T): T {
    if (this.damage) throw this.damage;
    try {
      return work();
    } catch (err) {
      if (!isDamage(err)) throw err;
      this.damage = new StoreError(damageMessage(this.filename, messageOf(err)), "sqlite");
      throw this.damage;
    }
  }
}

/** How one write of a group commit ended: its value, or what it threw. */
interface GroupOutcome {
  ok: boolean;
  value: unknown;
}

interface RecordRow {
  seq: number;
  id: string;
  record: string;
}

/** The conditions and parameters of one search, and the index walk that orders it. */
interface Where {
  /** The table rows come from, with the metadata join when it walks a metadata index. */
  from: string;
  conditions: string[];
  params: unknown[];
  order: string;
}

/**
 * Builds a search over `table` (alias `r`) with its metadata in `metaTable`: the first
 * metadata key, when there is one, is walked through its index (which is ordered by
 * creation), the other keys are checked per row.
 */
function searchWhere(
  table: string,
  metaTable: string,
  metadata: Record<string, unknown> | undefined,
): Where {
  const entries = metadataEntries(metadata);
  const where: Where = {
    from: `${table} r`,
    conditions: ["r.unreadable = 0"],
    params: [],
    order: "r.created_at, r.seq",
  };
  entries.forEach(([key, value], i) => {
    if (i === 0) {
      where.from = `${metaTable} m JOIN ${table} r ON r.seq = m.seq`;
      where.conditions.push("m.key = ?", "m.value = ?");
      where.order = "m.created_at, m.seq";
    } else {
      where.conditions.push(
        `EXISTS (SELECT 1 FROM ${metaTable} x WHERE x.seq = r.seq AND x.key = ? AND x.value = ?)`,
      );
    }
    where.params.push(key, value);
  });
  return where;
}

function selectSql(columns: string, where: Where): string {
  return `SELECT ${columns} FROM ${where.from} WHERE ${where.conditions.join(" AND ")} ORDER BY ${where.order} LIMIT ? OFFSET ?`;
}

class SqliteRunStore implements RunStore {
  constructor(
    private readonly statements: Promise<Statements>,
    private readonly decoder: RecordDecoder,
    private readonly threads: SqliteThreadStore,
    private readonly faults?: StoreFaults,
  ) {}

  async insert(run: StoredRun, thread?: ThreadClaim): Promise<string | undefined> {
    const text = encode(run, "runs.insert");
    const s = await this.statements;
    return s.inGroupCommit(() => {
      // The claim first: a run refused its thread is not stored. A conflict below undoes
      // the claim with the rest of this write.
      const holder = thread && this.threads.startRun(s, thread, run);
      if (holder !== undefined) return holder;
      const inserted = s
        .sql(
          `INSERT INTO acp_runs (run_id, thread_id, agent_id, status, created_at, updated_at, finished, record)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
        )
        .run(...this.columns(run), text);
      if (inserted.changes === 0) {
        throw new StoreConflictError(`run ${run.run_id} is already stored`, "runs.insert");
      }
      const add = s.sql(
        "INSERT INTO acp_run_metadata (key, value, created_at, seq) VALUES (?, ?, ?, ?)",
      );
      for (const [key, value] of metadataEntries(run.creation.metadata)) {
        add.run(key, value, run.created_at, inserted.lastInsertRowid);
      }
      return undefined;
    });
  }

  async update(
    run: StoredRun,
    events: readonly StoredEvent[] = [],
    threadEnd?: ThreadEnd,
  ): Promise<RunWritten | false> {
    const text = encode(run, "runs.update");
    const texts = events.map((e) => eventText(e, "runs.appendEvents"));
    const s = await this.statements;
    const [, thread, agent, status, , updated, finished] = this.columns(run);
    // Here, not in the group commit's write, which may run twice.
    if (run.status !== "pending") this.faults?.beforeRunEnd?.(run);
    // One transaction: a run's end, its terminal event and its thread's end are stored
    // together or not at all.
    return s.inGroupCommit(() => {
      // A run keeps its thread and agent: their columns (and indexes) are left as they
      // are, unless this write changes them.
      const row = (s
        .sql(
          `UPDATE acp_runs SET status = ?, updated_at = ?, finished = ?, record = ?, unreadable = 0
           WHERE run_id = ? AND thread_id = ? AND agent_id = ? RETURNING seq, push_configs`,
        )
        .get(status, updated, finished, text, run.run_id, thread, agent) ??
        s
          .sql(
            `UPDATE acp_runs SET thread_id = ?, agent_id = ?, status = ?, updated_at = ?,
               finished = ?, record = ?, unreadable = 0 WHERE run_id = ? RETURNING seq, push_configs`,
          )
          .get(thread, agent, status, updated, finished, text, run.run_id)) as
        | { seq: number; push_configs: number }
        | undefined;
      if (threadEnd) this.threads.end(s, threadEnd, run.run_id, run.updated_at);
      if (!row) return false;
      if (events.length > 0) {
        const add = s.sql("INSERT OR REPLACE INTO acp_run_events (seq, id, data) VALUES (?, ?, ?)");
        events.forEach((event, i) => {
          add.run(row.seq, event.id, texts[i]);
        });
      }
      return { pushConfigs: row.push_configs > 0 };
    });
  }

  async get(runId: string): Promise<StoredRun | undefined> {
    const s = await this.statements;
    const row = s
      .sql("SELECT seq, run_id AS id, record FROM acp_runs WHERE run_id = ? AND unreadable = 0")
      .get(runId) as RecordRow | undefined;
    return row ? this.decode(s, row) : undefined;
  }

  async search(query: RunSearch): Promise<StoredRun[]> {
    const s = await this.statements;
    const where = searchWhere("acp_runs", "acp_run_metadata", query.metadata);
    if (query.threadId !== undefined) {
      where.conditions.push("r.thread_id = ?");
      where.params.push(query.threadId ?? "");
    }
    if (query.agentId !== undefined) {
      where.conditions.push("r.agent_id = ?");
      where.params.push(query.agentId);
    }
    if (query.status !== undefined) {
      where.conditions.push("r.status = ?");
      where.params.push(query.status);
    }
    const rows = s
      .sql(selectSql("r.seq, r.run_id AS id, r.record", where))
      .all(...where.params, query.limit, query.offset ?? 0) as RecordRow[];
    return rows.flatMap((row) => this.decode(s, row) ?? []);
  }

  async delete(runId: string): Promise<boolean> {
    const s = await this.statements;
    return s.sql("DELETE FROM acp_runs WHERE run_id = ?").run(runId).changes > 0;
  }

  async deleteThreadRuns(threadId: string): Promise<number> {
    const s = await this.statements;
    return s.sql("DELETE FROM acp_runs WHERE thread_id = ?").run(threadId).changes;
  }

  async purgeFinished(updatedBefore: string, limit: number): Promise<PurgedRun[]> {
    const s = await this.statements;
    return s.transaction(() => {
      const rows = s
        .sql(
          `SELECT seq, run_id, thread_id FROM acp_runs WHERE finished = 1 AND updated_at < ?
           ORDER BY updated_at LIMIT ?`,
        )
        .all(updatedBefore, limit) as Array<{ seq: number; run_id: string; thread_id: string }>;
      const remove = s.sql("DELETE FROM acp_runs WHERE seq = ?");
      for (const row of rows) remove.run(row.seq);
      return rows.map((r) => ({
        run_id: r.run_id,
        ...(r.thread_id ? { thread_id: r.thread_id } : {}),
      }));
    })();
  }

  async appendEvents(runId: string, events: readonly StoredEvent[]): Promise<void> {
    const texts = events.map((e) => eventText(e, "runs.appendEvents"));
    const s = await this.statements;
    await s.inGroupCommit(() => this.addEvents(s, runId, events, texts));
  }

  private addEvents(
    s: Statements,
    runId: string,
    events: readonly StoredEvent[],
    texts: readonly string[],
  ): void {
    const add = s.sql(
      `INSERT OR REPLACE INTO acp_run_events (seq, id, data)
       SELECT seq, ?, ? FROM acp_runs WHERE run_id = ?`,
    );
    events.forEach((event, i) => {
      add.run(event.id, texts[i], runId);
    });
  }

  async readEvents(runId: string, afterId: number, limit: number): Promise<StoredEvent[]> {
    const s = await this.statements;
    const rows = s
      .sql(
        `SELECT e.id, e.data FROM acp_run_events e JOIN acp_runs r ON r.seq = e.seq
         WHERE r.run_id = ? AND e.id > ? ORDER BY e.id LIMIT ?`,
      )
      .all(runId, afterId, limit) as Array<{ id: number; data: string }>;
    return rows.flatMap((row) => this.decoder.event(row.data, runId, row.id) ?? []);
  }

  async deleteEvents(runId: string): Promise<void> {
    const s = await this.statements;
    s.sql("DELETE FROM acp_run_events WHERE seq = (SELECT seq FROM acp_runs WHERE run_id = ?)").run(
      runId,
    );
  }

  private columns(run: StoredRun) {
    return [
      run.run_id,
      run.thread_id ?? "",
      run.agent_id,
      run.status,
      run.created_at,
      run.updated_at,
      isFinished(run) ? 1 : 0,
    ] as const;
  }

  /** The run of a row; a row that does not decode is marked, so reads skip it from then on. */
  private decode(s: Statements, row: RecordRow): StoredRun | undefined {
    const run = this.decoder.run(row.record, row.id);
    if (!run) s.sql("UPDATE acp_runs SET unreadable = 1 WHERE seq = ?").run(row.seq);
    return run;
  }
}

/**
 * A thread's claim by a run (parameters: the run), and the condition that the run may
 * claim it (the thread, the run, the run it is queued behind or replaces, else the run
 * again): no run holds it, or one of those two does.
 */
const CLAIMING = "UPDATE acp_threads SET busy_run_id = ?, status = 'busy'";
const CLAIMABLE = "thread_id = ? AND (busy_run_id IS NULL OR busy_run_id IN (?, ?))";

/** The fields of a thread record a patch may set in place, each a string. */
const EDITED_FIELDS = new Set(["updated_at", "status", "agent_id", "last_run_id"]);

/**
 * The arguments of a `json_set` that applies `changes` to a thread's record in place,
 * without reading it: when each change is one of {@link EDITED_FIELDS} set to a string.
 * Undefined otherwise (metadata, which is indexed too), and the record is read and
 * written whole.
 */
function recordEdit(changes: ThreadChanges): { paths: string; values: string[] } | undefined {
  const paths: string[] = [];
  const values: string[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if (!EDITED_FIELDS.has(key) || typeof value !== "string") return undefined;
    paths.push(`'$.${key}', ?`);
    values.push(value);
  }
  return paths.length > 0 ? { paths: paths.join(", "), values } : undefined;
}

interface ThreadRow extends RecordRow {
  busy_run_id: string | null;
}

class SqliteThreadStore implements ThreadStore {
  constructor(
    private readonly statements: Promise<Statements>,
    private readonly decoder: RecordDecoder,
  ) {}

  async create(thread: StoredThread): Promise<boolean> {
    const { busy_run_id: busy, ...record } = thread;
    const text = encode(record, "threads.create");
    const s = await this.statements;
    return s.inGroupCommit(() => {
      const inserted = s
        .sql(
          `INSERT INTO acp_threads (thread_id, status, idle_status, busy_run_id, created_at, record)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (thread_id) DO NOTHING`,
        )
        .run(
          thread.thread_id,
          busy !== undefined ? "busy" : thread.status,
          thread.status,
          busy ?? null,
          thread.created_at,
          text,
        );
      if (inserted.changes === 0) return false;
      this.index(s, thread);
      return true;
    });
  }

  async get(threadId: string): Promise<StoredThread | undefined> {
    const s = await this.statements;
    return this.read(s, threadId);
  }

  async patch(threadId: string, changes: ThreadChanges): Promise<StoredThread | undefined> {
    const s = await this.statements;
    const edit = recordEdit(changes);
    return s.inGroupCommit(() => {
      if (edit) {
        const row = s
          .sql(
            `UPDATE acp_threads SET ${
              changes.status !== undefined
                ? "status = CASE WHEN busy_run_id IS NULL THEN ? ELSE 'busy' END, idle_status = ?, "
                : ""
            }record = json_set(record, ${edit.paths})
             WHERE thread_id = ? AND unreadable = 0 AND json_valid(record)
             RETURNING seq, thread_id AS id, record, busy_run_id`,
          )
          .get(
            ...(changes.status !== undefined ? [changes.status, changes.status] : []),
            ...edit.values,
            threadId,
          ) as ThreadRow | undefined;
        if (row) return this.decode(s, row);
      }
      const thread = this.read(s, threadId);
      if (!thread) return undefined;
      const { busy_run_id: busy, ...record } = { ...thread, ...changes };
      s.sql(
        `UPDATE acp_threads SET status = CASE WHEN busy_run_id IS NULL THEN ? ELSE 'busy' END,
           idle_status = ?, record = ? WHERE thread_id = ?`,
      ).run(record.status, record.status, encode(record, "threads.patch"), threadId);
      if (changes.metadata !== undefined) {
        s.sql(
          "DELETE FROM acp_thread_metadata WHERE seq = (SELECT seq FROM acp_threads WHERE thread_id = ?)",
        ).run(threadId);
        this.index(s, { ...thread, ...changes });
      }
      return { ...record, ...(busy !== undefined ? { busy_run_id: busy } : {}) };
    });
  }

  async search(query: ThreadSearch): Promise<StoredThread[]> {
    const s = await this.statements;
    const where = searchWhere("acp_threads", "acp_thread_metadata", query.metadata);
    if (query.status !== undefined) {
      where.conditions.push("r.status = ?");
      where.params.push(query.status);
    }
    const rows = s
      .sql(selectSql("r.seq, r.thread_id AS id, r.record, r.busy_run_id", where))
      .all(...where.params, query.limit, query.offset ?? 0) as ThreadRow[];
    return rows.flatMap((row) => this.decode(s, row) ?? []);
  }

  async delete(threadId: string): Promise<boolean> {
    const s = await this.statements;
    return s.sql("DELETE FROM acp_threads WHERE thread_id = ?").run(threadId).changes > 0;
  }

  async claim(threadId: string, runId: string, over?: string): Promise<string | undefined> {
    const s = await this.statements;
    return s.inGroupCommit(() => {
      const claimed = s
        .sql(`${CLAIMING} WHERE ${CLAIMABLE}`)
        .run(runId, threadId, runId, over ?? runId);
      return claimed.changes > 0 ? undefined : this.holderOf(s, threadId);
    });
  }

  /**
   * A new run's claim of its thread (see `RunStore.insert`), inside the transaction `s`
   * is in: when the run may claim it, the run holds the thread and is its latest, and
   * undefined is returned; else the run that holds it, or `""` when it is not stored.
   */
  startRun(s: Statements, { threadId, over }: ThreadClaim, run: StoredRun): string | undefined {
    const { run_id: runId, agent_id: agentId, created_at: createdAt } = run;
    const edited = s
      .sql(
        `${CLAIMING}, record = json_set(record, '$.agent_id', ?, '$.updated_at', ?, '$.last_run_id', ?)
         WHERE ${CLAIMABLE} AND unreadable = 0 AND json_valid(record)`,
      )
      .run(runId, agentId, createdAt, runId, threadId, runId, over ?? runId);
    if (edited.changes > 0) return undefined;
    // Held, not stored, or a record SQLite's JSON functions do not take (one nested
    // deeper than they go): read and written whole, as a patch does. A record that does
    // not decode is left as it is, the thread claimed all the same.
    const thread = this.read(s, threadId);
    const { busy_run_id: _holder, ...record } = { ...thread, ...latestRunChanges(run) };
    const claimed = s
      .sql(`${CLAIMING}, record = coalesce(?, record) WHERE ${CLAIMABLE}`)
      .run(runId, thread ? encode(record, "runs.insert") : null, threadId, runId, over ?? runId);
    return claimed.changes > 0 ? undefined : this.holderOf(s, threadId);
  }

  /** The run that holds the thread, or `""` when none does or it is not stored. */
  private holderOf(s: Statements, threadId: string): string {
    const row = s.sql("SELECT busy_run_id FROM acp_threads WHERE thread_id = ?").get(threadId) as
      | { busy_run_id: string | null }
      | undefined;
    return row?.busy_run_id ?? "";
  }

  /**
   * A thread run's end, inside the transaction `s` is in: the thread takes its status
   * and `updatedAt`, and is freed when `runId` holds it.
   */
  end(s: Statements, { threadId, status }: ThreadEnd, runId: string, updatedAt: string): void {
    const freeing = `UPDATE acp_threads SET busy_run_id = CASE WHEN busy_run_id = ? THEN NULL ELSE busy_run_id END,
         status = CASE WHEN busy_run_id IS NULL OR busy_run_id = ? THEN ? ELSE 'busy' END,
         idle_status = ?,`;
    const edited = s
      .sql(
        `${freeing} record = json_set(record, '$.status', ?, '$.updated_at', ?)
         WHERE thread_id = ? AND unreadable = 0 AND json_valid(record)`,
      )
      .run(runId, runId, status, status, status, updatedAt, threadId);
    if (edited.changes > 0) return;
    // Not stored, or a record SQLite's JSON functions do not take (one nested deeper
    // than they go): read and written whole, as a patch does.
    const thread = this.read(s, threadId);
    if (!thread) return;
    const { busy_run_id: _holder, ...record } = { ...thread, status, updated_at: updatedAt };
    s.sql(`${freeing} record = ? WHERE thread_id = ?`).run(
      runId,
      runId,
      status,
      status,
      encode(record, "runs.update"),
      threadId,
    );
  }

  async release(threadId: string, runId: string): Promise<boolean> {
    const s = await this.statements;
    return s.inGroupCommit(
      () =>
        s
          .sql(
            `UPDATE acp_threads SET busy_run_id = NULL, status = idle_status
             WHERE thread_id = ? AND busy_run_id = ?`,
          )
          .run(threadId, runId).changes > 0,
    );
  }

  private read(s: Statements, threadId: string): StoredThread | undefined {
    const row = s
      .sql(
        "SELECT seq, thread_id AS id, record, busy_run_id FROM acp_threads WHERE thread_id = ? AND unreadable = 0",
      )
      .get(threadId) as ThreadRow | undefined;
    return row ? this.decode(s, row) : undefined;
  }

  private index(s: Statements, thread: StoredThread): void {
    const { seq } = s
      .sql("SELECT seq FROM acp_threads WHERE thread_id = ?")
      .get(thread.thread_id) as {
      seq: number;
    };
    const add = s.sql(
      "INSERT INTO acp_thread_metadata (key, value, created_at, seq) VALUES (?, ?, ?, ?)",
    );
    for (const [key, value] of metadataEntries(thread.metadata)) {
      add.run(key, value, thread.created_at, seq);
    }
  }

  private decode(s: Statements, row: ThreadRow): StoredThread | undefined {
    const thread = this.decoder.thread(row.record, row.id);
    if (!thread) {
      s.sql("UPDATE acp_threads SET unreadable = 1 WHERE seq = ?").run(row.seq);
      return undefined;
    }
    return row.busy_run_id !== null ? { ...thread, busy_run_id: row.busy_run_id } : thread;
  }
}
