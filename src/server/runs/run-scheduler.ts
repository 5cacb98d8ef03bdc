import type { ResumePayloadSchema, RunCreateStateful } from "../../models/index.js";
import type { CancelAction } from "../../operations.js";
import type { AgentRegistry, RegisteredAgent } from "../agents.js";
import type { ACPServerLogger } from "../options.js";
import type { ServerStore } from "../stores/store.js";
import type { GraphState } from "./graph-state.js";
import { InProcessRuns } from "./in-process-runs.js";
import { ReplicaRuns } from "./replica-runs.js";
import type { RunExecutions } from "./run-execution.js";
import type { RunRecord, RunRecords } from "./run-record.js";
import { DirectRunWrites, FencedRunWrites, type RunWriteTarget } from "./run-write-target.js";
import type { RunWrites } from "./run-writes.js";

/** A thread run's `multitask_strategy`. */
export type MultitaskStrategy = NonNullable<RunCreateStateful["multitask_strategy"]>;

/** The run that holds a thread, as a new run on it finds it. */
export interface ThreadHolder {
  /** Its record, when this process knows it. */
  record?: RunRecord;
  /** True when it has ended, though the thread is not freed yet (its replica died first). */
  ended: boolean;
}

/**
 * Where and when runs execute, and how this process stays in step with those executing
 * elsewhere: the one path the run manager takes whatever the store. Two implementations:
 * `InProcessRuns` (a store one process owns: every run executes here, a thread's runs one
 * after another) and `ReplicaRuns` (a store shared by replicas: runs are queued in the
 * store and executed by whichever replica claims them, followed from the others).
 */
export interface RunScheduler {
  /**
   * Makes this process ready to execute runs: takes care of the runs an earlier
   * process left pending, or joins the replicas executing them. Called once, before serving.
   */
  start(): Promise<void>;
  /** Stores a new stateless run, queued to execute. */
  enqueue(record: RunRecord): Promise<void>;
  /**
   * Stores a new thread run, queued to execute, claiming its thread without reading it
   * first: a run that holds it is dealt with as `strategy` says (see `storeClaiming`).
   * A `ThreadNotFoundError` when the thread is missing.
   */
  enqueueOnThread(record: RunRecord, strategy: MultitaskStrategy): Promise<void>;
  /** Gets a run just enqueued executed; returns the record its request answers from. */
  launch(record: RunRecord, agent: RegisteredAgent): RunRecord;
  /** Waits a little for a pending run that is about to stop at its interrupt elsewhere. */
  settle(record: RunRecord): Promise<void>;
  /** Resumes a run waiting at an interrupt (checked already) with `body`. */
  resume(record: RunRecord, agent: RegisteredAgent, body: ResumePayloadSchema): Promise<RunRecord>;
  /**
   * Cancels a pending run that executes elsewhere than in this process; false when it
   * executes here (or nowhere else), which the caller stops itself.
   */
  cancelElsewhere(record: RunRecord, action: CancelAction): Promise<boolean>;
  /** The record of a run executing elsewhere, with every event stored for it so far. */
  caughtUp(record: RunRecord): Promise<void>;
  /** The record this process already keeps for run `runId` executing elsewhere, if any. */
  known(runId: string): RunRecord | undefined;
  /** A record just read from the store, kept in step with the run wherever it executes. */
  follow(record: RunRecord): RunRecord;
  /** The run `activeId` that holds a thread a new run is created on. */
  holder(activeId: string): Promise<ThreadHolder>;
  /** Forgets what it keeps of the thread `threadId`, deleted. */
  forgetThread(threadId: string): void;
  /** Claims nothing more, and stops following runs executing elsewhere (their waiters ask again). */
  pause(): void;
  /** Leaves, once the runs executing here have stopped (or were handed over). */
  stop(): Promise<void>;
}

/** What a scheduler needs from the run manager. */
export interface RunSchedulerDeps {
  store: ServerStore;
  agents: AgentRegistry;
  logger: ACPServerLogger;
  graphState: GraphState;
  writes: RunWrites;
  /** The runs executing in this process. */
  executions: RunExecutions;
  /** Makes the records of the runs read from the store. */
  records: RunRecords;
  /** Ends the runs an earlier process on a store it owned left pending (a crash). */
  recover(): Promise<void>;
  /**
   * Applies a new thread run's `multitask_strategy` to the run `activeId` that holds
   * thread `threadId`; returns the run the new one takes the thread over from.
   */
  makeWay(
    threadId: string,
    activeId: string | undefined,
    strategy: MultitaskStrategy,
  ): Promise<string | undefined>;
  /** The run with this id: the one executing here, or the stored one. */
  find(runId: string): Promise<RunRecord | undefined>;
  /**
   * True when the graphs' checkpoints are in the store's own checkpointer: a replicated
   * store then names a new thread run's baseline as it claims the thread.
   */
  storeCheckpoints: boolean;
}

/** The scheduler the store calls for: replicated when it is shared by replicas, else in-process. */
export function createScheduler(deps: RunSchedulerDeps): RunScheduler {
  const { store } = deps;
  return store.replicas
    ? new ReplicaRuns({ ...deps, replicas: store.replicas, runs: store.runs })
    : new InProcessRuns(deps);
}

/** Where the store's run writes go: fenced by their attempt when replicas share the store. */
export function writeTarget(store: ServerStore): RunWriteTarget {
  return store.replicas
    ? new FencedRunWrites(store.replicas, store.runs)
    : new DirectRunWrites(store.runs);
}
