import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { ACPServerLogger } from "../options.js";
import { CheckpointRecords, type RecordIndex } from "./checkpoint-records.js";
import { RunEventLog } from "./run-events.js";
import { type RunRecord, toWireRun } from "./run-record.js";

/**
 * What is stored of a run: its wire fields, the output it stopped with, and what a
 * resume after a restart needs (graph thread, stream modes, rollback baseline). Its
 * event log is not stored, only how many events it had, so that ids continue: a
 * client joining the stream of a run read back from storage gets new events only,
 * which is all the protocol promises a joining client anyway.
 */
export type StoredRun = Pick<
  RunRecord,
  | "run_id"
  | "thread_id"
  | "agent_id"
  | "created_at"
  | "updated_at"
  | "status"
  | "creation"
  | "output"
  | "graphThreadId"
  | "modes"
  | "baseline"
  | "seq"
> & { eventCount: number };

/** Which stored runs a listing wants; every given field must match. */
export interface RunQuery {
  /** The runs of this thread; `null` for stateless runs. */
  threadId?: string | null;
  agentId?: string;
  status?: RunRecord["status"];
}

/**
 * Run records live in the checkpointer like thread records, each under a storage thread
 * of its own. Not under the graph thread: a stateless run's graph thread is deleted
 * when the run completes, and a thread's is rewritten by a rollback, while the run
 * must stay until it is deleted. Not all under one shared thread either: deleting a
 * whole thread is the only removal every checkpointer offers. API thread ids start
 * with a letter or digit, so this prefix never names one.
 */
const RUN_NS = "__acp_run__";
const storageThread = (runId: string) => `${RUN_NS}:${runId}`;

/**
 * The runs of a server, stored in its checkpointer. Writes go out in the background,
 * in order per run, so that a status change never waits for storage; reads and
 * deletes wait for the writes queued before them, and `flush()` for all of them.
 */
export class RunStore {
  private readonly records: CheckpointRecords<StoredRun>;
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    saver: BaseCheckpointSaver,
    private readonly logger: ACPServerLogger,
  ) {
    this.records = new CheckpointRecords(saver, RUN_NS);
  }

  /** Queues a write of the run as it is now. */
  save(record: RunRecord): void {
    const stored = toStoredRun(record);
    const index: RecordIndex = {
      acp_thread_id: stored.thread_id ?? "",
      acp_agent_id: stored.agent_id,
      acp_status: stored.status,
    };
    this.enqueue(stored.run_id, () =>
      this.records.put(storageThread(stored.run_id), stored, index),
    ).catch((err) =>
      this.logger.warn(`run ${stored.run_id} could not be stored: ${messageOf(err)}`),
    );
  }

  /** Deletes the stored run, after the writes queued before. */
  remove(runId: string): Promise<void> {
    return this.enqueue(runId, () => this.records.delete(storageThread(runId)));
  }

  /** The stored run, once the writes queued for it are done. */
  async get(runId: string): Promise<StoredRun | undefined> {
    await this.queues.get(runId);
    return this.records.get(storageThread(runId));
  }

  /** The stored runs matching `query`, once the writes queued so far are done; in no order. */
  async list(query: RunQuery): Promise<StoredRun[]> {
    await this.flush();
    const where: RecordIndex = {};
    if (query.threadId !== undefined) where.acp_thread_id = query.threadId ?? "";
    if (query.agentId !== undefined) where.acp_agent_id = query.agentId;
    if (query.status !== undefined) where.acp_status = query.status;
    return this.records.list(where);
  }

  /** Resolves when every write queued so far is done. */
  async flush(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private enqueue(runId: string, job: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(runId) ?? Promise.resolve()).then(job);
    const settled = next.catch(() => undefined);
    this.queues.set(runId, settled);
    void settled.then(() => {
      if (this.queues.get(runId) === settled) this.queues.delete(runId);
    });
    return next;
  }
}

/** The stored form of a run. */
export function toStoredRun(record: RunRecord): StoredRun {
  return {
    ...toWireRun(record),
    ...(record.output !== undefined ? { output: record.output } : {}),
    graphThreadId: record.graphThreadId,
    modes: record.modes,
    ...(record.baseline !== undefined ? { baseline: record.baseline } : {}),
    seq: record.seq,
    eventCount: record.events.size,
  };
}

/** A run read back from storage, ready to be answered about, resumed or cancelled. */
export function fromStoredRun(stored: StoredRun): RunRecord {
  const { eventCount, ...fields } = stored;
  return { ...fields, events: new RunEventLog(eventCount) };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
