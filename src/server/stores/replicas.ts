import type { CancelAction } from "../../operations.js";
import type { RunWritten, StoredEvent, StoredRun, StoredThread } from "./store.js";

/** What an execution of a run starts from: the run's input, or a resume of its interrupt. */
export type Leg = { kind: "input" } | { kind: "resume"; resume: unknown };

/** A thread run's end, as its thread records it: the thread is freed with this status. */
export interface ThreadEnd {
  threadId: string;
  status: StoredThread["status"];
  /**
   * The thread's checkpoints are in the store's own checkpointer, and the run's head
   * is to be named by the store: its latest checkpoint as the write finds it (`""` for
   * none), stored in the run's record (which has none) and answered (`RunWritten.head`).
   * Only a write of the execution that owns the run names it (`updateOwned`).
   */
  nameHead?: boolean;
}

/** A run one process claimed to execute. */
export interface ClaimedRun {
  runId: string;
  /** How many executions of it were begun, this one included; above 1 it is a takeover. */
  attempt: number;
  leg: Leg;
}

/**
 * The thread a new run claims as it is stored. A run that claims its thread becomes
 * the thread's latest run in the same write (see `RunStore.insert`).
 */
export interface ThreadClaim {
  /** The thread. */
  threadId: string;
  /** The run the new one is queued behind or replaces, which may hold the thread. */
  over?: string;
  /**
   * Set when the thread's checkpoints are in the store's own checkpointer: when the
   * claim finds the thread free, the store names the thread's latest checkpoint (`""`
   * for none) in the same step, as the run's baseline (see `StoredRun.baseline`),
   * stores it in the run's record and calls this with it before the run executes.
   */
  onBaseline?: (baseline: string) => void;
}

/** What became of a new run handed to the replicas. */
export interface QueuedRun {
  /** Set when the run could not claim its thread: the run that holds it, or `""`. */
  holder?: string;
  /** True when this process claimed the run and executes it. */
  here: boolean;
}

/** What a process does with what the other replicas hand it. */
export interface ReplicaHandlers {
  /** Executes a run this process claimed; resolves when the execution ended. */
  execute(claimed: ClaimedRun): Promise<void>;
  /** Cancels a run if this process executes it (the request may come from any replica). */
  cancel(runId: string, action: CancelAction): void;
  /** Called once this process can no longer tell the others it is alive: it must stop executing. */
  lost(reason: string): void;
}

/**
 * How the server processes that share one store (replicas) hand runs to each other.
 * A store that one process owns has none. Runs are queued in the store and claimed by
 * any replica; every write of an execution is fenced by its attempt number, so an
 * execution that another replica took over cannot end the run.
 */
export interface ReplicaCoordination {
  /**
   * How many executions of one run are begun at most: a run whose replica died this
   * often ends in `error`, errcode 503, instead of being taken over again.
   */
  readonly maxAttempts: number;
  /** Joins the replicas: from now on this process claims queued runs and hears cancels. */
  start(handlers: ReplicaHandlers): Promise<void>;
  /** Stops claiming queued runs: the process is shutting down. */
  pause(): void;
  /** Leaves: claims nothing more (what it executes ends with the run manager's close). */
  stop(): Promise<void>;
  /**
   * Gives a run that execution `attempt` of this process owns back to the queue, stored
   * as `run` (still pending), for another replica to take over from its last checkpoint;
   * false when the execution no longer owns it. A process that shuts down hands its
   * runs over this way instead of ending them.
   */
  handOver(run: StoredRun, attempt: number): Promise<boolean>;
  /**
   * Stores a new run, queued to execute from `leg`; when this process has a worker free
   * and the run waits for no other, it is claimed here in the same step and executed
   * at once (`here`). With `thread`, it also claims the run's thread (as
   * `ThreadStore.claim` does, over the run `over` it is enqueued behind or replaces) in
   * the same step, and becomes the thread's latest run (as with `RunStore.insert`); it
   * executes only once `over` stopped being pending. When the
   * thread claim fails, nothing is stored and `holder` is the run that holds the thread
   * (`""` when there is no such thread).
   */
  insertQueued(run: StoredRun, leg: Leg, thread?: ThreadClaim): Promise<QueuedRun>;
  /**
   * Stores `run` (a run that waited at an interrupt, now pending again) and queues it
   * to execute from `leg` (its resume), in one step; false when it is already queued or
   * executing.
   */
  requeue(run: StoredRun, leg: Leg): Promise<boolean>;
  /** Claims the queued run `runId` for this process, now, if a worker is free; it is then executed. */
  claimNow(runId: string): Promise<boolean>;
  /** Takes the queued run `runId` out of the queue for this process without executing it. */
  take(runId: string): Promise<ClaimedRun | undefined>;
  /**
   * Writes the run, and appends `events` to its log, if execution `attempt` of this
   * process still owns it; with `release`, the execution ends there. With `thread`, the
   * run's thread is freed and given that status. All in one atomic step: whoever sees
   * the run end sees its terminal event and its thread free, and a replica that dies
   * meanwhile has written none of it. Returns what the write found of the run's push
   * configs (see `RunWritten`); false, writing nothing, when it was taken over.
   */
  updateOwned(
    run: StoredRun,
    attempt: number,
    release: boolean,
    thread?: ThreadEnd,
    events?: readonly StoredEvent[],
  ): Promise<RunWritten | false>;
  /**
   * Appends events of a run if execution `attempt` of this process still owns it;
   * false, appending nothing, when it was taken over.
   */
  appendOwned(runId: string, events: readonly StoredEvent[], attempt: number): Promise<boolean>;
  /** Calls `listener` at each change of the run or its events, made by any replica. */
  watch(runId: string, listener: () => void): () => void;
  /** Asks the replica executing `runId`, whichever it is, to cancel it. */
  requestCancel(runId: string, action: CancelAction): Promise<void>;
}
