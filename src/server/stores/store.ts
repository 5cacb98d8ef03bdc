import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type {
  CustomRunResultUpdate,
  RunCreateStateful,
  RunCreateStateless,
  RunOutput,
  RunStatus,
  StreamingMode,
  ThreadStatus,
  ValueRunErrorUpdate,
  ValueRunInterruptUpdate,
  ValueRunResultUpdate,
} from "../../models/index.js";
import type { PushConfigStore } from "./push-configs.js";
import type { ReplicaCoordination, ThreadClaim, ThreadEnd } from "./replicas.js";

/**
 * The server's records: its runs (with their event logs) and its threads. Graph state
 * is not here; it stays in the LangGraph checkpointer. Every method is asynchronous so
 * that a backend may live in another process (PostgreSQL); every backend passes the
 * same test suite, so the server behaves the same on each.
 *
 * Records are plain JSON. A backend stores them as text it can always read back: a
 * record it cannot decode any more (a truncated file, a hand-edited row) is reported to
 * its logger and skipped by every read, never thrown at the caller.
 */
export interface ServerStore {
  readonly runs: RunStore;
  readonly threads: ThreadStore;
  /**
   * Present when several server processes share the store (PostgreSQL): how they hand
   * runs to each other. Absent on a store one process owns (memory, SQLite).
   */
  readonly replicas?: ReplicaCoordination;
  /**
   * The A2A push notification configs of runs' tasks. A store without it serves A2A
   * without push notifications.
   */
  readonly pushConfigs?: PushConfigStore;
  /** The LangGraph checkpointer that goes with the store, when it brings one. */
  readonly checkpointer?: BaseCheckpointSaver;
  /** Releases connections and files. The store is not used afterwards. */
  close(): Promise<void>;
}

/**
 * Test-only hooks that make a store fail at a chosen point of a write, as a process that
 * dies there would. Production code never sets them; a store without them behaves as
 * documented.
 */
export interface StoreFaults {
  /**
   * Called as a run's end (a status other than `pending`) is about to be written,
   * before any part of that write is stored; what it throws fails the write.
   */
  beforeRunEnd?(run: StoredRun): void;
  /** SQLite: the checkpoints of the store's worker thread fail. */
  failCheckpoints?: boolean;
}

/** A run as stored: its wire fields, its output, and what resuming or rolling it back needs. */
export interface StoredRun {
  run_id: string;
  /** Set for runs on a thread only. */
  thread_id?: string;
  agent_id: string;
  /** ISO 8601, set once. Searches list runs by it, oldest first. */
  created_at: string;
  updated_at: string;
  status: RunStatus;
  /** The request that created the run, as accepted. Its `metadata` is searchable. */
  creation: RunCreateStateless | RunCreateStateful;
  /** What the run produced when it last stopped being pending. */
  output?: RunOutput;
  /** The checkpointer thread the graph runs on: the thread, or the run's own for a stateless run. */
  graphThreadId: string;
  /** The stream modes its events are recorded in. */
  modes: StreamingMode[];
  /** The thread's last checkpoint before the run started; what a rollback returns to. */
  baseline?: string;
  /** The thread's last checkpoint when the run last stopped; a rollback checks nothing followed. */
  head?: string;
  /** How many events the run had produced when it was last written: the last event's id. */
  eventCount: number;
  /**
   * The W3C trace context of the request that created the run, when it was traced: a
   * replica that takes the run over continues that trace.
   */
  trace?: { traceparent: string; tracestate?: string };
}

/**
 * What a write of a run found, beside storing it: whether the run has A2A push
 * notification configs. A store keeps that mark on the run itself, changed by the config
 * writes in the same step as the configs, so the write that stores a run's status reads
 * it at no extra cost, and reads it as of that status: a config stored before the status
 * is written (through any replica) is seen by that write. Only then does a status change
 * cost a read of the run's configs.
 */
export interface RunWritten {
  /** Whether the run had push notification configs when the write stored it. */
  readonly pushConfigs: boolean;
  /** The run's head, when the write named it (see `ThreadEnd.nameHead`). */
  readonly head?: string;
}

/** The `data` of one event of a run's output stream. */
export type RunEventData =
  | ValueRunResultUpdate
  | CustomRunResultUpdate
  | ValueRunInterruptUpdate
  | ValueRunErrorUpdate;

/** One stored event of a run's output stream. Ids count up per run from 1. */
export interface StoredEvent {
  id: number;
  data: RunEventData;
}

/** A run `RunStore.purgeFinished` deleted. */
export type PurgedRun = Pick<StoredRun, "run_id" | "thread_id">;

/** Which runs a search wants; every given field must match. */
export interface RunSearch {
  /** The runs of this thread; `null` for stateless runs only; absent for both. */
  threadId?: string | null;
  agentId?: string;
  status?: RunStatus;
  /**
   * Each key must be in the run's `creation.metadata` with an equal value (compared as
   * the JSON text `JSON.stringify` gives, as the protocol's search compares).
   */
  metadata?: Record<string, unknown>;
  /** How many runs to return at most. */
  limit: number;
  /** How many matching runs to skip first. Default 0. */
  offset?: number;
}

/**
 * The runs of a server. Searches return runs oldest first: by `created_at`, then in the
 * order they were inserted. A search costs what it returns (indexes on thread, agent,
 * status, metadata and creation time), not what is stored.
 */
export interface RunStore {
  /**
   * Stores a new run. A run id that is already stored is a `StoreConflictError`.
   *
   * With `thread`, the run claims its thread in the same write (as `ThreadStore.claim`
   * does, over the run `over` it is queued behind or replaces) and becomes the thread's
   * latest run: the thread takes the run's agent (`agent_id`), its id (`last_run_id`)
   * and its creation time (`updated_at`). The run is stored only when the claim
   * succeeds, and the thread is changed only when the run is stored. Resolves with
   * undefined once stored; else with the run that holds the thread, or `""` when the
   * thread is not stored, having stored nothing.
   */
  insert(run: StoredRun, thread?: ThreadClaim): Promise<string | undefined>;
  /**
   * Replaces a stored run with `run` (same id) and appends `events` to its log, in one
   * atomic write: both are stored or neither is, so a run's end (its terminal event and
   * its end status) is never half written. Returns what the write found of the run's
   * push configs (see {@link RunWritten}); false, storing nothing, when the run is not
   * stored (it was deleted meanwhile): a deleted run is never revived.
   *
   * With `thread` (a thread run's end), the same write gives the run's thread that
   * status and the run's `updated_at`, and frees it when `run` holds it: a reader that
   * sees the run end sees its thread free. The thread's end is stored even when the
   * run is not (a run deleted while it executed still frees its thread).
   */
  update(
    run: StoredRun,
    events?: readonly StoredEvent[],
    thread?: ThreadEnd,
  ): Promise<RunWritten | false>;
  /** The stored run, or undefined. */
  get(runId: string): Promise<StoredRun | undefined>;
  /** The matching runs, oldest first, `offset` skipped, at most `limit`. */
  search(query: RunSearch): Promise<StoredRun[]>;
  /** Deletes a run and its events. Returns false when it was not stored. */
  delete(runId: string): Promise<boolean>;
  /** Deletes every run of a thread and their events; returns how many. */
  deleteThreadRuns(threadId: string): Promise<number>;
  /**
   * Deletes up to `limit` finished runs (not pending, not waiting at an interrupt)
   * last updated before `updatedBefore` (ISO 8601), with their events; returns which.
   */
  purgeFinished(updatedBefore: string, limit: number): Promise<PurgedRun[]>;
  /**
   * Appends events to a stored run's log. Their ids continue the log's (the caller
   * numbers them; one process executes a run at a time). Events of a run that is not
   * stored are dropped.
   */
  appendEvents(runId: string, events: readonly StoredEvent[]): Promise<void>;
  /** The run's events with an id above `afterId`, in order, at most `limit`. */
  readEvents(runId: string, afterId: number, limit: number): Promise<StoredEvent[]>;
  /** Deletes a run's events (the run stays); what a log is trimmed to when kept short. */
  deleteEvents(runId: string): Promise<void>;
}

/** A thread as stored. Its values and history are graph state, in the checkpointer. */
export interface StoredThread {
  thread_id: string;
  created_at: string;
  updated_at: string;
  /** Searchable: each key of a search's `metadata` must match. */
  metadata: Record<string, unknown>;
  /** The status its last run left it in; `busy` is `busy_run_id` being set. */
  status: Exclude<ThreadStatus, "busy">;
  /** The agent that last ran on it; its graph reads the thread's state. */
  agent_id?: string;
  /** The run last created on it: the only one whose interrupt can still be resumed. */
  last_run_id?: string;
  /** The run that holds the thread while it executes (see `ThreadStore.claim`). */
  busy_run_id?: string;
}

/** The fields of a thread that `ThreadStore.patch` may change. */
export type ThreadChanges = Partial<
  Pick<StoredThread, "updated_at" | "metadata" | "status" | "agent_id" | "last_run_id">
>;

/** What a thread becomes when `run` is its latest run (see `RunStore.insert`). */
export function latestRunChanges(
  run: Pick<StoredRun, "agent_id" | "created_at" | "run_id">,
): ThreadChanges {
  return { agent_id: run.agent_id, updated_at: run.created_at, last_run_id: run.run_id };
}

/** Which threads a search wants; every given field must match. */
export interface ThreadSearch {
  /** Each key must be in the thread's metadata with an equal value (as JSON text). */
  metadata?: Record<string, unknown>;
  /** `busy` matches threads held by a run; the others, idle threads in that status. */
  status?: ThreadStatus;
  limit: number;
  offset?: number;
}

/** The threads of a server. Searches return threads oldest first, as runs. */
export interface ThreadStore {
  /** Stores a new thread; returns false, storing nothing, when the id is taken. */
  create(thread: StoredThread): Promise<boolean>;
  /** The stored thread, or undefined. */
  get(threadId: string): Promise<StoredThread | undefined>;
  /**
   * Changes the given fields of a stored thread, leaving the others (and the claim)
   * as they are; returns the thread as stored after, or undefined when it is not stored.
   */
  patch(threadId: string, changes: ThreadChanges): Promise<StoredThread | undefined>;
  /** The matching threads, oldest first, `offset` skipped, at most `limit`. */
  search(query: ThreadSearch): Promise<StoredThread[]>;
  /** Deletes a thread's record (not its runs). Returns false when it was not stored. */
  delete(threadId: string): Promise<boolean>;
  /**
   * Makes `runId` the run that holds the thread, atomically: when no run holds it,
   * when `runId` already does, or when the holder is `over` (the run `runId` was
   * queued behind or replaces). Returns undefined on success, else the id of the run
   * that holds the thread (a busy thread), or `""` when the thread is not stored.
   * In SQL: `UPDATE ... SET busy_run_id = $run WHERE thread_id = $id AND
   * (busy_run_id IS NULL OR busy_run_id IN ($run, $over))`.
   */
  claim(threadId: string, runId: string, over?: string): Promise<string | undefined>;
  /** Releases the thread if `runId` holds it; returns whether it did. */
  release(threadId: string, runId: string): Promise<boolean>;
}
