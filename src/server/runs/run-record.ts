import type { RunStateful, RunStateless } from "../../models/index.js";
import type { StoredRun } from "../stores/store.js";
import type { RunEventLog } from "./run-events.js";

/** A run as the server tracks it: the stored fields plus what executing it needs. */
export interface RunRecord extends StoredRun {
  /** The events of its output stream. */
  events: RunEventLog;
  /** Aborts the leg that is executing (a run executes again after each resume). */
  controller?: AbortController;
  /** Set while the run is being cancelled. */
  cancelling?: "interrupt" | "rollback";
  /** Settles when the executing leg has stopped. */
  leg?: Promise<void>;
  /** Set once the run is deleted, so that nothing stores it again. */
  deleted?: boolean;
  /** Set while a write of its new events is scheduled. */
  eventsQueued?: boolean;
  /**
   * The execution this process claimed, on a store shared by replicas: every write of
   * it is fenced by this number, so an execution taken over by another replica stops.
   */
  attempt?: number;
  /** Set once another replica took the run over: this process writes nothing more of it. */
  lost?: boolean;
}

/** The run as the wire shows it (`RunStateless` or `RunStateful`). */
export function toWireRun(run: StoredRun): RunStateless | RunStateful {
  return {
    run_id: run.run_id,
    ...(run.thread_id !== undefined ? { thread_id: run.thread_id } : {}),
    agent_id: run.agent_id,
    created_at: run.created_at,
    updated_at: run.updated_at,
    status: run.status,
    creation: run.creation,
  };
}

/** The stored form of a run. */
export function toStoredRun(record: RunRecord): StoredRun {
  return {
    ...toWireRun(record),
    ...(record.output !== undefined ? { output: record.output } : {}),
    graphThreadId: record.graphThreadId,
    modes: record.modes,
    ...(record.baseline !== undefined ? { baseline: record.baseline } : {}),
    ...(record.head !== undefined ? { head: record.head } : {}),
    eventCount: record.events.size,
  };
}
