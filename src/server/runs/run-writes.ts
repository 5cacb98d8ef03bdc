import { messageOf } from "../../core/message-of.js";
import type { ACPServerLogger } from "../options.js";
import type { ReplicaCoordination, ThreadEnd } from "../stores/replicas.js";
import type { ServerStore, StoredEvent } from "../stores/store.js";
import { type RunRecord, toStoredRun } from "./run-record.js";

/**
 * The store writes of runs. Each run's writes are queued: a later write never overtakes
 * an earlier one. On a store shared by replicas, every write of an execution claimed
 * from their queue is fenced by its attempt: an execution that another replica took
 * over learns it at its next write, stops, and writes nothing more.
 */
export class RunWrites {
  /** The store writes of each run, in order: a later write never overtakes an earlier one. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly store: ServerStore,
    private readonly logger: ACPServerLogger,
  ) {}

  private get replicas(): ReplicaCoordination | undefined {
    return this.store.replicas;
  }

  /** Settles once the writes queued for run `runId` so far are done; undefined when none are. */
  pending(runId: string): Promise<void> | undefined {
    return this.writes.get(runId);
  }

  /** Settles once every write queued so far is done. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.writes.values()]);
  }

  /** Stores a new run (a full store's `StoreLimitError` is answered 503 by the app). */
  async insert(record: RunRecord): Promise<void> {
    await this.queue(record.run_id, () => this.store.runs.insert(toStoredRun(record)));
  }

  /**
   * Writes the run's new events and then the run as it is now, after earlier writes;
   * an execution owned through the replicas' queue also ends its thread (`threadEnd`)
   * in that write.
   */
  save(record: RunRecord, threadEnd?: ThreadEnd): Promise<void> {
    const write = this.queue(record.run_id, async () => {
      if (record.deleted) return;
      if (record.lost) return;
      const runs = this.store.runs;
      const events = record.events.unsaved();
      if (events.length > 0) await this.appendEvents(record, events);
      if (record.lost) return;
      if (this.replicas && record.attempt !== undefined) {
        const release = record.status !== "pending";
        const owned = await this.replicas.updateOwned(
          toStoredRun(record),
          record.attempt,
          release,
          release ? threadEnd : undefined,
        );
        if (!owned) this.lose(record);
        // The execution ended: later writes (a cancel at its interrupt) are no longer its own.
        else if (release) record.attempt = undefined;
      } else await runs.update(toStoredRun(record));
      record.events.trim();
    });
    return write.catch((err) =>
      this.logger.warn(`run ${record.run_id} could not be stored: ${messageOf(err)}`),
    );
  }

  /** Stores the events appended in this turn of the event loop, in one write. */
  saveEventsSoon(record: RunRecord): void {
    if (record.eventsQueued) return;
    record.eventsQueued = true;
    queueMicrotask(() => {
      record.eventsQueued = false;
      const events = record.events.unsaved();
      if (events.length === 0 || record.deleted) return;
      this.queue(record.run_id, async () => {
        if (record.lost) return;
        await this.appendEvents(record, events);
        record.events.trim();
      }).catch((err) =>
        this.logger.warn(`events of run ${record.run_id} could not be stored: ${messageOf(err)}`),
      );
    });
  }

  /** Deletes run `runId` from storage, after the writes queued for it. */
  async delete(runId: string): Promise<void> {
    await this.queue(runId, async () => {
      await this.store.runs.delete(runId);
    });
  }

  /**
   * Gives a run this process executes back to the replicas' queue, as it is now (its
   * events stored, still pending): another replica takes it over from its last
   * checkpoint. This process writes nothing more of it; its waiters here are woken.
   */
  async handBack(record: RunRecord): Promise<void> {
    const replicas = this.replicas as ReplicaCoordination;
    const attempt = record.attempt as number;
    await this.queue(record.run_id, async () => {
      const events = record.events.unsaved();
      if (events.length > 0) await this.appendEvents(record, events);
      // False when another replica took it over already: it goes on there all the same.
      await replicas.handOver(toStoredRun(record), attempt);
    }).catch((err) =>
      // It stays owned by this replica, and is taken over once this one is gone, as
      // after a crash.
      this.logger.warn(`run ${record.run_id} could not be handed over: ${messageOf(err)}`),
    );
    record.attempt = undefined;
    record.lost = true;
    record.handedOver = true;
    record.events.wake();
  }

  /** Another replica took the run over: this process stops it and writes nothing more. */
  lose(record: RunRecord): void {
    if (record.lost) return;
    record.lost = true;
    this.logger.warn(`run ${record.run_id} was taken over by another replica`);
    record.controller?.abort();
  }

  /**
   * Stores new events of a run. An execution claimed from the replicas' queue writes
   * them only while it owns the run; one that was taken over learns it here and stops.
   */
  private async appendEvents(record: RunRecord, events: StoredEvent[]): Promise<void> {
    const attempt = record.attempt;
    if (!this.replicas || attempt === undefined) {
      await this.store.runs.appendEvents(record.run_id, events);
    } else if (!(await this.replicas.appendOwned(record.run_id, events, attempt))) {
      this.lose(record);
    }
  }

  /** Runs `job` after the writes queued for the run before it. */
  private queue(runId: string, job: () => Promise<void>): Promise<void> {
    const next = (this.writes.get(runId) ?? Promise.resolve()).then(job);
    const settled = next.catch(() => undefined);
    this.writes.set(runId, settled);
    void settled.then(() => {
      if (this.writes.get(runId) === settled) this.writes.delete(runId);
    });
    return next;
  }
}
