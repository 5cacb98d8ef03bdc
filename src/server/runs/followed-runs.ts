import { messageOf } from "../../core/message-of.js";
import type { ACPServerLogger } from "../options.js";
import type { ReplicaCoordination } from "../stores/replicas.js";
import type { RunStore } from "../stores/store.js";
import { attemptOf, canClaim, transition } from "./run-phase.js";
import type { RunRecord } from "./run-record.js";

/** How many events one read of a run's log takes. */
const BATCH = 100;

/** The first and the longest wait before a failed read of a followed run is tried again, in ms. */
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

/** A run executing in another replica, whose changes this process follows for its readers. */
interface Followed {
  record: RunRecord;
  unwatch: () => void;
  refreshing: boolean;
  again: boolean;
  /** The wait before the next try after a failed read (the store away); 0 after a success. */
  retryMs: number;
  retry?: NodeJS.Timeout;
}

/**
 * The runs executing in other replicas that readers here wait on: the readers of their
 * streams and their waiters here see their events and their end through the store's
 * notifications.
 */
export class FollowedRuns {
  /** Runs executing in other replicas that readers here wait on. */
  private readonly followed = new Map<string, Followed>();

  /**
   * @param executing the runs executing (or being stopped) in this process, which are
   *   never followed.
   */
  constructor(
    private readonly replicas: ReplicaCoordination,
    private readonly runs: RunStore,
    private readonly logger: ACPServerLogger,
    private readonly executing: ReadonlyMap<string, RunRecord>,
  ) {}

  /** The record followed for run `runId`, if it is followed. */
  recordOf(runId: string): RunRecord | undefined {
    return this.followed.get(runId)?.record;
  }

  /**
   * The record with every event stored for it so far, when it is the one followed: a
   * run that executes in another replica is read up to now first.
   */
  async caughtUp(record: RunRecord): Promise<void> {
    if (this.followed.get(record.run_id)?.record === record) await this.catchUp(record);
  }

  /** Reads the events of the run another process stored and this record has not seen. */
  async catchUp(record: RunRecord): Promise<void> {
    for (;;) {
      const events = await this.runs.readEvents(record.run_id, record.events.size, BATCH);
      record.events.absorb(events);
      // A short batch was the last one: no second query to learn that nothing follows.
      if (events.length < BATCH) return;
    }
  }

  /**
   * Follows a run that executes in another replica: at each change it announces, the
   * record here is read again, so the readers of its stream and its waiters here see
   * its events and its end. Stops once the run is no longer pending.
   */
  follow(record: RunRecord): RunRecord {
    // Not a run this process executes (or has claimed and is starting).
    if (this.executing.get(record.run_id) === record || attemptOf(record.phase) !== undefined) {
      return record;
    }
    const known = this.followed.get(record.run_id);
    if (known) return known.record;
    const entry: Followed = {
      record,
      unwatch: () => undefined,
      refreshing: false,
      again: false,
      retryMs: 0,
    };
    this.followed.set(record.run_id, entry);
    entry.unwatch = this.replicas.watch(record.run_id, () => this.refresh(entry));
    // What changed before the watch began.
    this.refresh(entry);
    return record;
  }

  /** Stops following run `runId`. */
  unfollow(runId: string): void {
    const entry = this.followed.get(runId);
    entry?.unwatch();
    clearTimeout(entry?.retry);
    this.followed.delete(runId);
  }

  /**
   * Stops following every run, and wakes their readers: the runs go on in the replicas
   * that execute them, and the waiters here are told to ask again.
   */
  close(): void {
    for (const entry of this.followed.values()) {
      entry.unwatch();
      clearTimeout(entry.retry);
      // A run whose end was not stored keeps telling its waiters so.
      if (entry.record.phase.kind === "queued") {
        entry.record.phase = transition(entry.record.phase, { type: "handOver" });
      }
      entry.record.events.wake();
    }
    this.followed.clear();
  }

  private refresh(entry: Followed): void {
    if (entry.refreshing) {
      entry.again = true;
      return;
    }
    entry.refreshing = true;
    const { record } = entry;
    const step = async () => {
      do {
        entry.again = false;
        if (this.followed.get(record.run_id) !== entry) return;
        const stored = await this.runs.get(record.run_id);
        if (this.followed.get(record.run_id) !== entry) return;
        await this.catchUp(record);
        if (!stored) {
          this.unfollow(record.run_id);
          record.events.wake();
          return;
        }
        // A run this process took up meanwhile (claimed, cancelled) is not the store's to move.
        if (canClaim(record.phase)) {
          record.phase = transition(record.phase, { type: "stored", status: stored.status });
        }
        record.status = stored.status;
        record.output = stored.output;
        record.updated_at = stored.updated_at;
        if (stored.baseline !== undefined) record.baseline = stored.baseline;
        if (stored.head !== undefined) record.head = stored.head;
        record.events.wake();
        if (stored.status !== "pending") this.unfollow(record.run_id);
      } while (entry.again);
    };
    step()
      .then(
        () => {
          entry.retryMs = 0;
        },
        (err) => {
          // The change it was told of may be the run's end: read again until it reads, so
          // that no waiter here misses the end while the store is away.
          this.logger.warn(`run ${record.run_id}: ${messageOf(err)}`);
          entry.retryMs = Math.min(Math.max(entry.retryMs * 2, FIRST_RETRY_MS), MAX_RETRY_MS);
          clearTimeout(entry.retry);
          entry.retry = setTimeout(() => this.refresh(entry), entry.retryMs);
          entry.retry.unref();
        },
      )
      .finally(() => {
        entry.refreshing = false;
        // A change announced after the last read began but after the loop ended.
        if (entry.again) this.refresh(entry);
      });
  }
}
