import type { ReplicaCoordination, ThreadEnd } from "../stores/replicas.js";
import type { RunStore, RunWritten, StoredEvent, StoredRun } from "../stores/store.js";

/**
 * Where the writes of a run go. `attempt` is the execution this process holds on the
 * replicas' queue, if it holds one: such a write is fenced by it, and writes nothing
 * (false) once another replica took the run over. A write without one goes straight
 * to the store.
 */
export interface RunWriteTarget {
  /**
   * Writes the run as `run` with its new `events`; with `release`, the execution held
   * by `attempt` ends there. `threadEnd` frees its thread in the same step. Returns what
   * the write found of the run's push configs; false when it was taken over.
   */
  update(
    run: StoredRun,
    events: readonly StoredEvent[],
    attempt: number | undefined,
    release: boolean,
    threadEnd?: ThreadEnd,
  ): Promise<RunWritten | false>;
  /** Appends new events of run `runId`. */
  append(
    runId: string,
    events: readonly StoredEvent[],
    attempt: number | undefined,
  ): Promise<boolean>;
  /** Gives the run held by `attempt` back to the queue it was claimed from, as `run`. */
  handOver(run: StoredRun, attempt: number): Promise<void>;
}

/** What the write of a run that is not stored (deleted meanwhile) found: its configs went with it. */
export const NOT_STORED: RunWritten = { pushConfigs: false };

/** What a direct write answers: what the store found, or `NOT_STORED` for a run it no longer has. */
const storedOrNot = (written: RunWritten | false): RunWritten => written || NOT_STORED;

/** The writes of a store one process owns: every run's writes go straight to it. */
export class DirectRunWrites implements RunWriteTarget {
  constructor(private readonly runs: RunStore) {}

  update(
    run: StoredRun,
    events: readonly StoredEvent[],
    _attempt: number | undefined,
    _release: boolean,
    threadEnd?: ThreadEnd,
  ): Promise<RunWritten> {
    // A run deleted meanwhile has no configs left.
    return this.runs.update(run, events, threadEnd).then(storedOrNot);
  }

  async append(runId: string, events: readonly StoredEvent[]): Promise<boolean> {
    await this.runs.appendEvents(runId, events);
    return true;
  }

  /** A store one process owns gives out no attempts, so it is never handed a run back. */
  async handOver(run: StoredRun): Promise<void> {
    await this.runs.update(run, []);
  }
}

/** The writes of a store shared by replicas: those of an execution claimed here are fenced. */
export class FencedRunWrites implements RunWriteTarget {
  constructor(
    private readonly replicas: ReplicaCoordination,
    private readonly runs: RunStore,
  ) {}

  async update(
    run: StoredRun,
    events: readonly StoredEvent[],
    attempt: number | undefined,
    release: boolean,
    threadEnd?: ThreadEnd,
  ): Promise<RunWritten | false> {
    if (attempt !== undefined) {
      return this.replicas.updateOwned(run, attempt, release, threadEnd, events);
    }
    return (await this.runs.update(run, events, threadEnd)) || NOT_STORED;
  }

  async append(
    runId: string,
    events: readonly StoredEvent[],
    attempt: number | undefined,
  ): Promise<boolean> {
    if (attempt !== undefined) return this.replicas.appendOwned(runId, events, attempt);
    await this.runs.appendEvents(runId, events);
    return true;
  }

  async handOver(run: StoredRun, attempt: number): Promise<void> {
    // False when another replica took it over already: it goes on there all the same.
    await this.replicas.handOver(run, attempt);
  }
}
