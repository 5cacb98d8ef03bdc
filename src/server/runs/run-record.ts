import type {
  RunCreateStateful,
  RunCreateStateless,
  RunOutput,
  RunStateful,
  RunStateless,
  RunStatus,
  StreamingMode,
} from "../../models/index.js";
import { RunEventLog } from "./run-events.js";

/** A run as the server tracks it: the wire fields plus what executing it needs. */
export interface RunRecord {
  run_id: string;
  /** Set for runs on a thread only; stateless runs have none on the wire. */
  thread_id?: string;
  agent_id: string;
  created_at: string;
  updated_at: string;
  status: RunStatus;
  creation: RunCreateStateless | RunCreateStateful;
  /** The checkpointer thread the graph runs on: the thread, or the run's own for a stateless run. */
  graphThreadId: string;
  /** What the run produced when it last stopped being pending. */
  output?: RunOutput;
  /** The events of its output stream. */
  events: RunEventLog;
  /** The stream modes its events are recorded in. */
  modes: StreamingMode[];
  /** Aborts the leg that is executing (a run executes again after each resume). */
  controller?: AbortController;
  /** Set while the run is being cancelled. */
  cancelling?: "interrupt" | "rollback";
  /** Settles when the executing leg has stopped. */
  leg?: Promise<void>;
  /** The thread's last checkpoint before the run started, for a rollback. */
  baseline?: string;
  /** Orders runs created in the same millisecond, oldest first. */
  seq: number;
  /** Set once the run is deleted, so that nothing stores it again. */
  deleted?: boolean;
}

/** How many runs this process has created: the next `seq`. */
let created = 0;

/** Creates the record of a new pending run. */
export function newRunRecord(init: {
  run_id: string;
  thread_id?: string;
  agent_id: string;
  creation: RunCreateStateless | RunCreateStateful;
  graphThreadId: string;
  modes: StreamingMode[];
}): RunRecord {
  const now = new Date().toISOString();
  return {
    ...init,
    created_at: now,
    updated_at: now,
    status: "pending",
    events: new RunEventLog(),
    seq: ++created,
  };
}

/** The run as the wire shows it (`RunStateless` or `RunStateful`). */
export function toWireRun(record: RunRecord): RunStateless | RunStateful {
  return {
    run_id: record.run_id,
    ...(record.thread_id !== undefined ? { thread_id: record.thread_id } : {}),
    agent_id: record.agent_id,
    created_at: record.created_at,
    updated_at: record.updated_at,
    status: record.status,
    creation: record.creation,
  };
}

/** Oldest first: by creation time, then by creation order within a millisecond. */
export function byCreation(
  a: Pick<RunRecord, "created_at" | "seq" | "run_id">,
  b: Pick<RunRecord, "created_at" | "seq" | "run_id">,
): number {
  return (
    a.created_at.localeCompare(b.created_at) || a.seq - b.seq || a.run_id.localeCompare(b.run_id)
  );
}
