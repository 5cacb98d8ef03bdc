import { activeTraceContext } from "../../core/tracing.js";
import type { RunStateful, RunStateless } from "../../models/index.js";
import type { RunStore, StoredRun } from "../stores/store.js";
import { RunEventLog } from "./run-events.js";
import { initialPhase, type RunPhase } from "./run-phase.js";

/** A run as the server tracks it: the stored fields plus what executing it needs. */
export interface RunRecord extends StoredRun {
  /** The events of its output stream. */
  events: RunEventLog;
  /** Where the run is in its life in this process (see `RunPhase`); changed by `transition` only. */
  phase: RunPhase;
}

/** The run as the wire shows it (`RunStateless` or `RunStateful`). */
export function toWireRun(run: StoredRun): RunStateless | RunStateful {
  // Built field by field (no spreads): every run answer and write goes through here.
  const wire: RunStateless | RunStateful = {
    run_id: run.run_id,
    agent_id: run.agent_id,
    created_at: run.created_at,
    updated_at: run.updated_at,
    status: run.status,
    creation: run.creation,
  };
  if (run.thread_id !== undefined) (wire as RunStateful).thread_id = run.thread_id;
  return wire;
}

/** The stored form of a run. */
export function toStoredRun(record: RunRecord): StoredRun {
  const stored: StoredRun = {
    run_id: record.run_id,
    agent_id: record.agent_id,
    created_at: record.created_at,
    updated_at: record.updated_at,
    status: record.status,
    creation: record.creation,
    graphThreadId: record.graphThreadId,
    modes: record.modes,
    eventCount: record.events.size,
  };
  if (record.thread_id !== undefined) stored.thread_id = record.thread_id;
  if (record.output !== undefined) stored.output = record.output;
  if (record.baseline !== undefined) stored.baseline = record.baseline;
  if (record.head !== undefined) stored.head = record.head;
  if (record.trace !== undefined) stored.trace = record.trace;
  return stored;
}

/** The last time `now` formatted, in ms since the epoch, and its text. */
let lastMs = Number.NaN;
let lastText = "";

/**
 * The current time, as records store it (ISO 8601, to the millisecond). The text is
 * made once per millisecond: the many status changes of a busy server share it.
 */
export function now(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastText = new Date(ms).toISOString();
  }
  return lastText;
}

/** Makes the records of runs; each one's event log reads what it no longer holds from the store. */
export class RunRecords {
  /**
   * @param maxEventLogBytes how many bytes of already stored events an executing run
   *   keeps in memory.
   */
  constructor(
    private readonly runs: RunStore,
    private readonly maxEventLogBytes: number,
  ) {}

  /** The record of a new run, pending. */
  create(
    init: Pick<
      RunRecord,
      "run_id" | "thread_id" | "agent_id" | "creation" | "graphThreadId" | "modes"
    >,
  ): RunRecord {
    const at = now();
    // Built field by field (no spreads): every run is made here.
    const record: RunRecord = {
      run_id: init.run_id,
      agent_id: init.agent_id,
      created_at: at,
      updated_at: at,
      status: "pending",
      creation: init.creation,
      graphThreadId: init.graphThreadId,
      modes: init.modes,
      eventCount: 0,
      events: this.eventLog(init.run_id, 0),
      phase: initialPhase("pending"),
    };
    if (init.thread_id !== undefined) record.thread_id = init.thread_id;
    // The creating request's trace, for a replica that takes the run over to go on with.
    const trace = activeTraceContext();
    if (trace) record.trace = trace;
    return record;
  }

  /** The record of a stored run. */
  fromStored(stored: StoredRun): RunRecord {
    return {
      ...stored,
      events: this.eventLog(stored.run_id, stored.eventCount),
      phase: initialPhase(stored.status),
    };
  }

  private eventLog(runId: string, last: number): RunEventLog {
    const runs = this.runs;
    return new RunEventLog(
      last,
      (afterId, limit) => runs.readEvents(runId, afterId, limit),
      this.maxEventLogBytes,
    );
  }
}
