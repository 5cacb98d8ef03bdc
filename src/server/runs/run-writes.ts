import { messageOf } from "../../core/message-of.js";
import { promised } from "../../core/promised.js";
import { sleep } from "../../core/sleep.js";
import { RunEndNotStoredError, StoreUnavailableError } from "../errors.js";
import type { ACPServerLogger } from "../options.js";
import { type EncodedEvent, EVENT_TEXT, encode } from "../stores/codec.js";
import type { ThreadClaim, ThreadEnd } from "../stores/replicas.js";
import type { RunEventData, RunStore, RunWritten, StoredEvent } from "../stores/store.js";
import { attemptOf, controllerOf, transition } from "./run-phase.js";
import { now, type RunRecord, toStoredRun } from "./run-record.js";
import { NOT_STORED, type RunWriteTarget } from "./run-write-target.js";

/** How long the end of a run is retried while the store is unavailable, by default, in ms. */
export const DEFAULT_STORE_RETRY_MS = 30_000;

/** The first and the longest wait between two tries of a write the store refused, in ms. */
const FIRST_RETRY_DELAY_MS = 50;
const MAX_RETRY_DELAY_MS = 2_000;

/** How a run ends: what its record becomes once the end is stored. */
export interface RunEnd {
  status: Exclude<RunRecord["status"], "pending">;
  output: NonNullable<RunRecord["output"]>;
  /** The event that ends its stream, shown once the end is stored with it. */
  event?: RunEventData;
}

/**
 * The store writes of runs. Each run's writes are queued: a later write never overtakes
 * an earlier one. On a store shared by replicas, every write of an execution claimed
 * from their queue is fenced by its attempt: an execution that another replica took
 * over learns it at its next write, stops, and writes nothing more.
 *
 * A run's end is one atomic write (its last events, its terminal event and its status
 * together), retried while the store is unavailable, and shown to the run's readers only
 * once stored: no reader is told of an end that a crash could still undo.
 */
export class RunWrites {
  /** The store writes of each run, in order: a later write never overtakes an earlier one. */
  private readonly writes = new Map<string, Promise<void>>();
  /**
   * The runs with new events to store, by id: written together once the event loop has
   * run what it was running, unless a write of the run (its end) takes them first.
   */
  private readonly eventsDue = new Map<string, RunRecord>();
  /** Whether a flush of `eventsDue` is scheduled. */
  private flushScheduled = false;
  /**
   * Each run's end write while its first attempt is under way: settles once the end is
   * shown here, or once that attempt failed.
   */
  private readonly endAttempts = new Map<string, EndAttempt>();

  /**
   * @param retryMs how long a run's end (or its hand-back) is retried while the store is
   *   unavailable before giving up with a `RunEndNotStoredError`.
   */
  constructor(
    private readonly runs: RunStore,
    /** Where the run's writes go: straight to the store, or fenced by its attempt. */
    private readonly target: RunWriteTarget,
    private readonly logger: ACPServerLogger,
    private readonly retryMs = DEFAULT_STORE_RETRY_MS,
  ) {}

  /** Settles once the writes queued for run `runId` so far are done; undefined when none are. */
  pending(runId: string): Promise<void> | undefined {
    return this.writes.get(runId);
  }

  /**
   * Settles once the first attempt to store run `runId`'s end is done, when one is under
   * way; undefined otherwise. Another replica may see that end as soon as it is stored,
   * before this process shows it: a reader here waits for it, so every replica answers
   * alike. Only the first attempt: while the store is away the end is not stored, and a
   * reader is not held for the retries.
   */
  endUnderWay(runId: string): Promise<void> | undefined {
    return this.endAttempts.get(runId)?.settled();
  }

  /** Settles the wait for run `runId`'s end write (see `endUnderWay`). */
  private endDone(runId: string): void {
    this.endAttempts.get(runId)?.settle();
    this.endAttempts.delete(runId);
  }

  /** Settles once every write queued so far (new events included) is done. */
  async drain(): Promise<void> {
    this.flushEvents();
    await Promise.allSettled([...this.writes.values()]);
  }

  /**
   * Stores a new run (a full store's `StoreLimitError` is answered 503 by the app). With
   * `thread`, the run claims its thread and becomes its latest in the same write (see
   * `RunStore.insert`); resolves with the run that holds the thread when the claim fails
   * (`""`: no such thread), nothing stored.
   */
  insert(record: RunRecord, thread?: ThreadClaim): Promise<string | undefined> {
    return this.queue(record.run_id, () => this.runs.insert(toStoredRun(record), thread));
  }

  /**
   * Writes the run as it is now (still pending, or waiting at an interrupt that a cancel
   * ends) with its new events, after earlier writes. Resolves with what the write found
   * of the run's push configs; undefined when nothing was written (the run was taken
   * over, or the write failed). A failure is logged: the events go with the run's next
   * write.
   */
  save(record: RunRecord): Promise<RunWritten | undefined> {
    // This write takes the run's new events with it.
    this.eventsDue.delete(record.run_id);
    const write = this.queue(record.run_id, async (): Promise<RunWritten | undefined> => {
      if (!writable(record)) return undefined;
      const events = record.events.unsaved();
      const attempt = attemptOf(record.phase);
      let written: RunWritten | false;
      try {
        // A phase that holds an attempt is a pending one: the run stays owned.
        const release = record.status !== "pending";
        const run = toStoredRun(record);
        written = await this.target.update(run, events, attempt, release);
      } catch (err) {
        record.events.giveBack(events.length);
        throw err;
      }
      if (!written) this.lose(record);
      record.events.trim();
      return written || undefined;
    });
    return write.catch((err) => {
      this.logger.warn(`run ${record.run_id} could not be stored: ${messageOf(err)}`);
      return undefined;
    });
  }

  /**
   * Stores the end of a run in one write: its unsaved events, the event that ends its
   * stream and its end status (with `threadEnd`, an execution owned through the
   * replicas' queue also frees its thread in that write). While the store is
   * unavailable the write is tried again, waiting longer each time, for `retryMs` at
   * most; then it fails with a `RunEndNotStoredError`, the run not ended. Only once
   * stored does the record show the end to its readers and waiters.
   *
   * Resolves `lost` when another replica took the run over (nothing is written), else
   * with what the write found of the run's push configs. Any other failure of the store
   * is thrown, the run not ended.
   */
  end(record: RunRecord, end: RunEnd, threadEnd?: ThreadEnd): Promise<RunWritten | "lost"> {
    // This write takes the run's last events with it: a run that ends soon after its
    // events (most do) stores them and its end in one write.
    this.eventsDue.delete(record.run_id);
    return this.queue(record.run_id, async () => {
      const updatedAt = now();
      if (record.phase.kind === "deleted") {
        applyEnd(record, end, updatedAt);
        return NOT_STORED;
      }
      // Serialised once: the store writes this text, and the log keeps it once stored.
      const terminal: EncodedEvent[] = end.event
        ? [
            {
              id: record.events.size + 1,
              data: end.event,
              [EVENT_TEXT]: encode(end.event, "runs.appendEvents"),
            },
          ]
        : [];
      const events = record.events.unsaved();
      // The stored form as the end makes it, built once (no copy of a copy).
      const run = toStoredRun(record);
      run.status = end.status;
      run.output = end.output;
      run.updated_at = updatedAt;
      run.eventCount = record.events.size + terminal.length;
      const all = terminal.length === 0 ? events : events.concat(terminal);
      this.endAttempts.set(record.run_id, new EndAttempt());
      try {
        let stored: RunWritten | false;
        try {
          stored = await this.retrying(record, `run ${record.run_id}: its end`, () => {
            const attempt = this.target.update(run, all, attemptOf(record.phase), true, threadEnd);
            // A first attempt that fails holds the run's readers no longer.
            attempt.catch(() => this.endDone(record.run_id));
            return attempt;
          });
        } catch (err) {
          record.events.giveBack(events.length);
          throw err;
        }
        if (!stored) {
          this.lose(record);
          return "lost";
        }
        applyEnd(record, end, updatedAt);
        record.events.absorb(terminal);
        return stored;
      } finally {
        this.endDone(record.run_id);
      }
    });
  }

  /**
   * Stores the run's new events soon: once the event loop is done with what it is
   * running now (one write of every run's new events then), or with the run's next
   * write, whichever comes first. No timer or microtask per event or per run.
   */
  saveEventsSoon(record: RunRecord): void {
    this.eventsDue.set(record.run_id, record);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushEvents());
  }

  /** Queues a write of the new events of each run that has some due. */
  private flushEvents(): void {
    this.flushScheduled = false;
    if (this.eventsDue.size === 0) return;
    const due = [...this.eventsDue.values()];
    this.eventsDue.clear();
    for (const record of due) {
      if (record.phase.kind === "deleted") continue;
      this.queue(record.run_id, async () => {
        if (!writable(record)) return;
        const events = record.events.unsaved();
        if (events.length === 0) return;
        try {
          await this.appendEvents(record, events);
        } catch (err) {
          // They go with the run's next write.
          record.events.giveBack(events.length);
          throw err;
        }
        record.events.trim();
      }).catch((err) =>
        this.logger.warn(`events of run ${record.run_id} could not be stored: ${messageOf(err)}`),
      );
    }
  }

  /** Deletes run `runId` from storage, after the writes queued for it. */
  async delete(runId: string): Promise<void> {
    await this.queue(runId, async () => {
      await this.runs.delete(runId);
    });
  }

  /**
   * Gives a run this process executes back to the replicas' queue, as it is now (its
   * events stored, still pending): another replica takes it over from its last
   * checkpoint. This process writes nothing more of it; its waiters here are woken.
   */
  async handBack(record: RunRecord): Promise<void> {
    // Tried once: the replica leaves, and a run it could not give back is taken over
    // once its lock is gone, as after a crash.
    await this.giveBack(record, false).catch((err) =>
      // It stays owned by this replica, and is taken over once this one is gone, as
      // after a crash.
      this.logger.warn(`run ${record.run_id} could not be handed over: ${messageOf(err)}`),
    );
    if (record.phase.kind === "lost") record.phase = transition(record.phase, { type: "handOver" });
    record.events.wake();
  }

  /**
   * Gives a run this process executes back to the replicas' queue, still pending, for
   * a replica to execute again from its last checkpoint: with `retry`, tried again while
   * the store is unavailable, for `retryMs` at most. This process writes nothing more of it.
   */
  async giveBack(record: RunRecord, retry = true): Promise<void> {
    const attempt = attemptOf(record.phase) as number;
    try {
      await this.queue(record.run_id, async () => {
        const events = record.events.unsaved();
        const write = async () => {
          if (events.length > 0) await this.appendEvents(record, events);
          await this.target.handOver(toStoredRun(record), attempt);
          return true;
        };
        if (retry) await this.retrying(record, `run ${record.run_id}: its hand-back`, write);
        else await write();
      });
    } finally {
      // Given back (or taken over meanwhile): this process holds the run no more.
      if (attemptOf(record.phase) !== undefined && record.phase.kind !== "deleted") {
        record.phase = transition(record.phase, { type: "lose" });
      }
    }
  }

  /** Another replica took the run over: this process stops it and writes nothing more. */
  lose(record: RunRecord): void {
    const kind = record.phase.kind;
    if (kind === "deleted") {
      // Nothing is stored of it any more, but its leg stops all the same.
      controllerOf(record.phase)?.abort();
      return;
    }
    if (kind !== "executing" && kind !== "stopping" && kind !== "claimed") return;
    record.phase = transition(record.phase, { type: "lose" });
    this.logger.warn(`run ${record.run_id} was taken over by another replica`);
    controllerOf(record.phase)?.abort();
  }

  /**
   * Runs `write` until it succeeds, trying again while the store is unavailable with a
   * growing wait, for `retryMs` at most (then a `RunEndNotStoredError`). Stops, with
   * false, once the run was taken over by another replica: its writes are not its own.
   */
  private async retrying<T>(
    record: RunRecord,
    what: string,
    write: () => Promise<T | false>,
  ): Promise<T | false> {
    const started = Date.now();
    let delay = FIRST_RETRY_DELAY_MS;
    for (;;) {
      if (record.phase.kind === "lost") return false;
      try {
        return await write();
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        const waited = Date.now() - started;
        if (waited + delay > this.retryMs) {
          throw new RunEndNotStoredError(record.run_id, waited, err);
        }
        this.logger.warn(`${what} could not be stored (${messageOf(err)}): trying again`);
        await sleep(delay);
        delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
      }
    }
  }

  /**
   * Stores new events of a run. An execution claimed from the replicas' queue writes
   * them only while it owns the run; one that was taken over learns it here and stops.
   */
  private async appendEvents(record: RunRecord, events: StoredEvent[]): Promise<void> {
    if (!(await this.target.append(record.run_id, events, attemptOf(record.phase)))) {
      this.lose(record);
    }
  }

  /**
   * Runs `job` after the writes queued for the run before it; at once when none are (no
   * promise made to wait for nothing).
   */
  private queue<T>(runId: string, job: () => Promise<T>): Promise<T> {
    const previous = this.writes.get(runId);
    const next = previous ? previous.then(job) : promised(job);
    const done = () => {
      if (this.writes.get(runId) === settled) this.writes.delete(runId);
    };
    const settled: Promise<void> = next.then(done, done);
    this.writes.set(runId, settled);
    return next;
  }
}

/**
 * One run's end write while its first attempt is under way. The promise its readers wait
 * on is made only when a reader asks for it: most ends have none.
 */
class EndAttempt {
  #settled: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  #done = false;

  /** Settles once the attempt is done. */
  settled(): Promise<void> {
    if (this.#done) return Promise.resolve();
    this.#settled ??= new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    return this.#settled;
  }

  settle(): void {
    this.#done = true;
    this.#resolve?.();
  }
}

/**
 * The record as its end makes it: what its readers and waiters see from now on. A
 * deleted run takes the end's status but stays deleted.
 */
export function applyEnd(record: RunRecord, end: RunEnd, updatedAt: string): void {
  if (record.phase.kind !== "deleted") {
    record.phase = transition(record.phase, { type: "end", status: end.status });
  }
  record.status = end.status;
  record.output = end.output;
  record.updated_at = updatedAt;
}

/**
 * True while the run's writes are this process's to make: not once it is deleted, taken
 * over by another replica, or handed over to them.
 */
function writable(record: RunRecord): boolean {
  const kind = record.phase.kind;
  return kind !== "deleted" && kind !== "lost" && kind !== "handedOver";
}
