import { promised } from "../../core/promised.js";
import {
  encode,
  eventText,
  isFinished,
  metadataEntries,
  RecordDecoder,
  type StoreLogger,
} from "./codec.js";
import { StoreConflictError, StoreLimitError } from "./errors.js";
import { MemoryTable } from "./memory-table.js";
import { MemoryPushConfigStore } from "./push-configs.js";
import type { ThreadClaim, ThreadEnd } from "./replicas.js";
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
import { TurnGroup } from "./turn-group.js";

/** How to build an in-memory store. */
export interface MemoryStoreOptions {
  /**
   * The most bytes the store keeps: the JSON text of runs, their events and threads,
   * and an estimate of what keeping each record costs beside its text. Past
   * it, the event logs of finished runs go first, then the oldest finished runs; a new
   * run that still does not fit is refused with a `StoreLimitError`. Default 128 MiB.
   */
  maxBytes?: number;
  /** Where it reports what it drops. Defaults to `console`. */
  logger?: StoreLogger;
  /** Test-only: makes writes fail at chosen points (see `StoreFaults`). */
  faults?: StoreFaults;
}

/** The default `MemoryStoreOptions.maxBytes`. */
export const DEFAULT_MEMORY_STORE_BYTES = 128 * 1024 * 1024;

/**
 * A store in this process's memory: nothing survives a restart, and what it keeps is
 * bounded by `maxBytes`. Records are kept as JSON text, exactly as a database keeps
 * them, so it obeys the same rules as the other backends.
 */
export function memoryStore(options: MemoryStoreOptions = {}): ServerStore {
  const logger = options.logger ?? console;
  const budget = new ByteBudget(options.maxBytes ?? DEFAULT_MEMORY_STORE_BYTES, logger);
  // Writes are done at once, and answered together at the end of the event loop's turn.
  const turn = new TurnGroup();
  const threads = new MemoryThreadStore(new RecordDecoder(logger), budget, turn);
  const runs = new MemoryRunStore(new RecordDecoder(logger), budget, threads, turn, options.faults);
  budget.tables = [runs, threads];
  const pushConfigs = new MemoryPushConfigStore(runs, logger);
  runs.hasPushConfigs = (runId) => pushConfigs.has(runId);
  return { runs, threads, pushConfigs, close: async () => undefined };
}

/** What `ByteBudget` measures and evicts from. */
interface Measured {
  readonly bytes: number;
  /** Frees one unit of what can be dropped; false when nothing is left to drop. */
  evictEvents?(): boolean;
  evictRun?(): boolean;
}

/** The byte bound shared by the tables of one memory store. */
class ByteBudget {
  tables: Measured[] = [];
  private warned = false;

  constructor(
    readonly maxBytes: number,
    private readonly logger: StoreLogger,
  ) {}

  get used(): number {
    return this.tables.reduce((sum, t) => sum + t.bytes, 0);
  }

  /** Drops events, then finished runs, until the store fits; false when it cannot. */
  fit(): boolean {
    while (this.used > this.maxBytes) {
      const freed =
        this.tables.some((t) => t.evictEvents?.() === true) ||
        this.tables.some((t) => t.evictRun?.() === true);
      if (!freed) return false;
      if (!this.warned) {
        this.warned = true;
        this.logger.warn(
          `the memory store reached maxBytes (${this.maxBytes}): event logs and then the oldest finished runs are dropped to stay under it`,
        );
      }
    }
    return true;
  }
}

/**
 * What keeping one event costs beside its text, estimated (its entry in the run's log,
 * its string's header), measured as `ROW_OVERHEAD` is.
 */
const EVENT_OVERHEAD = 176;

const runKeys = (run: StoredRun): string[] => [
  `t:${run.thread_id ?? ""}`,
  `a:${run.agent_id}`,
  `s:${run.status}`,
  ...metadataEntries(run.creation.metadata).map(([k, v]) => `m:${k}\u0000${v}`),
];

class MemoryRunStore implements RunStore, Measured {
  private readonly table = new MemoryTable();
  private readonly events = new Map<string, Array<{ id: number; text: string }>>();
  private eventBytes = 0;
  /** Finished runs, least recently finished first: what purges and evictions take. */
  private readonly finished = new Map<string, string>();
  /** Whether a run has push configs: what a run's write tells (see `RunWritten`). */
  hasPushConfigs: (runId: string) => boolean = () => false;

  constructor(
    private readonly decoder: RecordDecoder,
    private readonly budget: ByteBudget,
    private readonly threads: MemoryThreadStore,
    private readonly turn: TurnGroup,
    private readonly faults?: StoreFaults,
  ) {}

  get bytes(): number {
    return this.table.bytes + this.eventBytes;
  }

  insert(run: StoredRun, thread?: ThreadClaim): Promise<string | undefined> {
    return promised(() => {
      const text = encode(run, "runs.insert");
      if (this.table.has(run.run_id)) {
        throw new StoreConflictError(`run ${run.run_id} is already stored`, "runs.insert");
      }
      // Checked before anything is written: a refused claim stores nothing.
      const claimed = thread && this.threads.claimable(thread.threadId, run.run_id, thread.over);
      if (typeof claimed === "string") return Promise.resolve(claimed);
      this.write(run, text);
      if (!this.budget.fit()) {
        this.deleteNow(run.run_id);
        throw new StoreLimitError(
          `run ${run.run_id} does not fit beside the runs that are executing`,
          "runs.insert",
          "maxBytes",
          this.budget.maxBytes,
        );
      }
      // No await between the run's write and its thread's: no reader sees one without the other.
      if (claimed) this.threads.startRun(claimed, run);
      return this.turn.settle(undefined);
    });
  }

  update(
    run: StoredRun,
    events: readonly StoredEvent[] = [],
    thread?: ThreadEnd,
  ): Promise<RunWritten | false> {
    return promised(() => this.updateNow(run, events, thread));
  }

  private updateNow(
    run: StoredRun,
    events: readonly StoredEvent[],
    thread: ThreadEnd | undefined,
  ): Promise<RunWritten | false> {
    const text = encode(run, "runs.update");
    // Encoded first: a record that cannot be stored leaves the run and its log as they were.
    const texts = events.map((e) => eventText(e, "runs.appendEvents"));
    if (!this.table.has(run.run_id)) {
      if (thread) this.threads.end(thread, run.run_id, run.updated_at);
      return Promise.resolve(false);
    }
    if (run.status !== "pending") this.faults?.beforeRunEnd?.(run);
    this.write(run, text);
    // No await between the run's write and its thread's: no reader sees one without the other.
    if (thread) this.threads.end(thread, run.run_id, run.updated_at);
    this.appendTexts(
      run.run_id,
      events.map((e, i) => ({ id: e.id, text: texts[i] as string })),
    );
    this.budget.fit();
    return this.turn.settle({ pushConfigs: this.hasPushConfigs(run.run_id) });
  }

  async get(runId: string): Promise<StoredRun | undefined> {
    const text = this.table.text(runId);
    return text === undefined ? undefined : this.decoder.run(text, runId);
  }

  async search(query: RunSearch): Promise<StoredRun[]> {
    const keys: string[] = [];
    if (query.threadId !== undefined) keys.push(`t:${query.threadId ?? ""}`);
    if (query.agentId !== undefined) keys.push(`a:${query.agentId}`);
    if (query.status !== undefined) keys.push(`s:${query.status}`);
    for (const [k, v] of metadataEntries(query.metadata)) keys.push(`m:${k}\u0000${v}`);
    const found = new Map<string, StoredRun>();
    const ids = this.table.search(keys, query.limit, query.offset ?? 0, (id) => {
      const run = this.decoder.run(this.table.text(id) as string, id);
      if (run) found.set(id, run);
      return run !== undefined;
    });
    return ids.map((id) => found.get(id) as StoredRun);
  }

  async delete(runId: string): Promise<boolean> {
    return this.deleteNow(runId);
  }

  private deleteNow(runId: string): boolean {
    this.dropEvents(runId);
    this.finished.delete(runId);
    return this.table.delete(runId);
  }

  async deleteThreadRuns(threadId: string): Promise<number> {
    const ids = this.table.idsOf(`t:${threadId}`);
    for (const id of ids) await this.delete(id);
    return ids.length;
  }

  async purgeFinished(updatedBefore: string, limit: number): Promise<PurgedRun[]> {
    const purged: PurgedRun[] = [];
    for (const [id, updatedAt] of this.finished) {
      if (purged.length >= limit || updatedAt >= updatedBefore) break;
      const run = await this.get(id);
      purged.push({
        run_id: id,
        ...(run?.thread_id !== undefined ? { thread_id: run.thread_id } : {}),
      });
    }
    for (const { run_id } of purged) await this.delete(run_id);
    return purged;
  }

  appendEvents(runId: string, events: readonly StoredEvent[]): Promise<void> {
    return promised(() => {
      if (!this.table.has(runId)) return Promise.resolve();
      const texts = events.map((e) => ({ id: e.id, text: eventText(e, "runs.appendEvents") }));
      this.appendTexts(runId, texts);
      this.budget.fit();
      return this.turn.settle(undefined);
    });
  }

  private appendTexts(runId: string, events: ReadonlyArray<{ id: number; text: string }>): void {
    if (events.length === 0) return;
    let log = this.events.get(runId);
    if (!log) {
      log = [];
      this.events.set(runId, log);
    }
    for (const event of events) {
      log.push(event);
      this.eventBytes += event.text.length + EVENT_OVERHEAD;
    }
  }

  async readEvents(runId: string, afterId: number, limit: number): Promise<StoredEvent[]> {
    const log = this.events.get(runId) ?? [];
    let low = 0;
    let high = log.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((log[mid] as { id: number }).id <= afterId) low = mid + 1;
      else high = mid;
    }
    const out: StoredEvent[] = [];
    for (const { id, text } of log.slice(low)) {
      if (out.length >= limit) break;
      const event = this.decoder.event(text, runId, id);
      if (event) out.push(event);
    }
    return out;
  }

  async deleteEvents(runId: string): Promise<void> {
    this.dropEvents(runId);
  }

  evictEvents(): boolean {
    for (const id of this.finished.keys()) {
      if (this.events.has(id)) {
        this.dropEvents(id);
        return true;
      }
    }
    return false;
  }

  evictRun(): boolean {
    const oldest = this.finished.keys().next();
    if (oldest.done) return false;
    this.dropEvents(oldest.value);
    this.finished.delete(oldest.value);
    this.table.delete(oldest.value);
    return true;
  }

  private write(run: StoredRun, text: string): void {
    this.table.put(run.run_id, text, run.created_at, runKeys(run));
    this.finished.delete(run.run_id);
    if (isFinished(run)) this.finished.set(run.run_id, run.updated_at);
  }

  private dropEvents(runId: string): void {
    for (const { text } of this.events.get(runId) ?? []) {
      this.eventBytes -= text.length + EVENT_OVERHEAD;
    }
    this.events.delete(runId);
  }
}

const threadKeys = (thread: StoredThread): string[] => [
  `s:${thread.busy_run_id !== undefined ? "busy" : thread.status}`,
  ...metadataEntries(thread.metadata).map(([k, v]) => `m:${k}\u0000${v}`),
];

class MemoryThreadStore implements ThreadStore, Measured {
  private readonly table = new MemoryTable();

  constructor(
    private readonly decoder: RecordDecoder,
    private readonly budget: ByteBudget,
    private readonly turn: TurnGroup,
  ) {}

  get bytes(): number {
    return this.table.bytes;
  }

  create(thread: StoredThread): Promise<boolean> {
    return promised(() => {
      const text = encode(thread, "threads.create");
      if (this.table.has(thread.thread_id)) return Promise.resolve(false);
      this.table.put(thread.thread_id, text, thread.created_at, threadKeys(thread));
      if (!this.budget.fit()) {
        this.table.delete(thread.thread_id);
        throw new StoreLimitError(
          `thread ${thread.thread_id} does not fit`,
          "threads.create",
          "maxBytes",
          this.budget.maxBytes,
        );
      }
      return this.turn.settle(true);
    });
  }

  async get(threadId: string): Promise<StoredThread | undefined> {
    return this.read(threadId);
  }

  patch(threadId: string, changes: ThreadChanges): Promise<StoredThread | undefined> {
    return promised(() => {
      const thread = this.read(threadId);
      if (!thread) return Promise.resolve(undefined);
      const updated = { ...thread, ...changes };
      this.write(updated, "threads.patch");
      return this.turn.settle<StoredThread | undefined>(updated);
    });
  }

  async search(query: ThreadSearch): Promise<StoredThread[]> {
    const keys: string[] = [];
    if (query.status !== undefined) keys.push(`s:${query.status}`);
    for (const [k, v] of metadataEntries(query.metadata)) keys.push(`m:${k}\u0000${v}`);
    const found = new Map<string, StoredThread>();
    const ids = this.table.search(keys, query.limit, query.offset ?? 0, (id) => {
      const thread = this.decoder.thread(this.table.text(id) as string, id);
      if (thread) found.set(id, thread);
      return thread !== undefined;
    });
    return ids.map((id) => found.get(id) as StoredThread);
  }

  async delete(threadId: string): Promise<boolean> {
    return this.table.delete(threadId);
  }

  // Read and written without an await between: one claim cannot interleave with another.
  claim(threadId: string, runId: string, over?: string): Promise<string | undefined> {
    return promised(() => {
      const thread = this.claimable(threadId, runId, over);
      if (typeof thread === "string") return Promise.resolve(thread);
      this.write({ ...thread, busy_run_id: runId }, "threads.claim");
      return this.turn.settle<string | undefined>(undefined);
    });
  }

  /**
   * The stored thread when run `runId` may claim it (see `claim`); else the run that
   * holds it, or `""` when it is not stored.
   */
  claimable(threadId: string, runId: string, over?: string): StoredThread | string {
    const thread = this.read(threadId);
    if (!thread) return "";
    const holder = thread.busy_run_id;
    return holder !== undefined && holder !== runId && holder !== over ? holder : thread;
  }

  /**
   * A new run's claim of its thread, `thread` as just read by `claimable`, written at
   * once (with the run's own write): the run holds the thread and is its latest.
   */
  startRun(thread: StoredThread, run: StoredRun): void {
    this.write({ ...thread, ...latestRunChanges(run), busy_run_id: run.run_id }, "runs.insert");
  }

  /**
   * A thread run's end, written at once (with the run's own write): the thread takes
   * its status and `updatedAt`, and is freed when `runId` holds it.
   */
  end({ threadId, status }: ThreadEnd, runId: string, updatedAt: string): void {
    const thread = this.read(threadId);
    if (!thread) return;
    const { busy_run_id: holder, ...rest } = thread;
    const ended = { ...rest, status, updated_at: updatedAt };
    this.write(
      holder === undefined || holder === runId ? ended : { ...ended, busy_run_id: holder },
      "runs.update",
    );
  }

  release(threadId: string, runId: string): Promise<boolean> {
    return promised(() => {
      const thread = this.read(threadId);
      if (thread?.busy_run_id !== runId) return Promise.resolve(false);
      const { busy_run_id: _released, ...idle } = thread;
      this.write(idle, "threads.release");
      return this.turn.settle(true);
    });
  }

  private read(threadId: string): StoredThread | undefined {
    const text = this.table.text(threadId);
    return text === undefined ? undefined : this.decoder.thread(text, threadId);
  }

  private write(thread: StoredThread, operation: string): void {
    this.table.put(
      thread.thread_id,
      encode(thread, operation),
      thread.created_at,
      threadKeys(thread),
    );
  }
}
