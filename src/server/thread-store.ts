import type { BaseCheckpointSaver, Checkpoint, CheckpointTuple } from "@langchain/langgraph";
import { emptyCheckpoint } from "@langchain/langgraph";
import type { ThreadStatus } from "../models/index.js";

/** What the server knows about a thread beside its graph state. */
export interface ThreadRecord {
  thread_id: string;
  created_at: string;
  updated_at: string;
  metadata: Record<string, unknown>;
  /** The status the last run left the thread in; `busy` is derived from pending runs. */
  status: Exclude<ThreadStatus, "busy">;
  /** The agent that last ran on the thread; its graph reads the thread's state. */
  agent_id?: string;
}

/** A new thread's record. */
export function newThreadRecord(
  threadId: string,
  metadata: Record<string, unknown> = {},
): ThreadRecord {
  const at = new Date().toISOString();
  return { thread_id: threadId, created_at: at, updated_at: at, metadata, status: "idle" };
}

/**
 * Thread records live in the checkpointer itself, in a namespace of their own under
 * the thread's id. So they persist exactly as long and as far as the thread's state
 * does (a SqliteSaver file keeps both across restarts), `deleteThread` removes both,
 * and no second storage has to be configured or kept in sync.
 */
const RECORD_NS = "__acp_thread__";
const RECORD_ID = "record";

/** Thread records, stored in the checkpointer beside the threads' checkpoints. */
export class ThreadStore {
  constructor(private readonly saver: BaseCheckpointSaver) {}

  /** The record of a thread, or undefined when there is no such thread. */
  async get(threadId: string): Promise<ThreadRecord | undefined> {
    const tuple = await this.saver.getTuple(recordConfig(threadId));
    return tuple ? recordOf(tuple) : undefined;
  }

  /** True when the thread has a graph checkpoint with this id. */
  async hasCheckpoint(threadId: string, checkpointId: string): Promise<boolean> {
    const tuple = await this.saver.getTuple({
      configurable: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: checkpointId },
    });
    return tuple !== undefined;
  }

  /** Creates or replaces a thread's record. */
  async put(record: ThreadRecord): Promise<void> {
    const checkpoint: Checkpoint = {
      ...emptyCheckpoint(),
      id: RECORD_ID,
      channel_values: { record },
      channel_versions: { record: 1 },
    };
    await this.saver.put(
      { configurable: { thread_id: record.thread_id, checkpoint_ns: RECORD_NS } },
      checkpoint,
      { source: "update", step: -1, parents: {} },
      { record: 1 },
    );
  }

  /** Every thread record. */
  async list(): Promise<ThreadRecord[]> {
    const records: ThreadRecord[] = [];
    for await (const tuple of this.saver.list({ configurable: { checkpoint_ns: RECORD_NS } })) {
      const record = recordOf(tuple);
      if (record) records.push(record);
    }
    return records;
  }

  /** Deletes a thread: its record and all its checkpoints. */
  async delete(threadId: string): Promise<void> {
    await this.saver.deleteThread(threadId);
  }

  /**
   * Copies the graph checkpoints of `from` (every namespace but the record's) to `to`,
   * oldest first so each keeps its parent; `keep` selects which ones.
   */
  async copyCheckpoints(
    from: string,
    to: string,
    keep: (tuple: CheckpointTuple) => boolean = () => true,
  ): Promise<void> {
    const tuples = await this.checkpoints(from);
    await this.writeCheckpoints(to, tuples.filter(keep));
  }

  /** Rewrites a thread keeping only the checkpoints `keep` selects (for rollback). */
  async prune(threadId: string, keep: (tuple: CheckpointTuple) => boolean): Promise<void> {
    const tuples = await this.checkpoints(threadId);
    const record = await this.get(threadId);
    await this.saver.deleteThread(threadId);
    await this.writeCheckpoints(threadId, tuples.filter(keep));
    if (record) await this.put(record);
  }

  private async checkpoints(threadId: string): Promise<CheckpointTuple[]> {
    const tuples: CheckpointTuple[] = [];
    for await (const tuple of this.saver.list({ configurable: { thread_id: threadId } })) {
      if (tuple.config.configurable?.checkpoint_ns !== RECORD_NS) tuples.push(tuple);
    }
    return tuples.reverse();
  }

  private async writeCheckpoints(threadId: string, tuples: CheckpointTuple[]): Promise<void> {
    const sorted = [...tuples].sort((a, b) => a.checkpoint.id.localeCompare(b.checkpoint.id));
    for (const tuple of sorted) {
      const ns = (tuple.config.configurable?.checkpoint_ns as string | undefined) ?? "";
      const parent = tuple.parentConfig?.configurable?.checkpoint_id as string | undefined;
      const written = await this.saver.put(
        { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: parent } },
        tuple.checkpoint,
        tuple.metadata ?? { source: "update", step: -1, parents: {} },
        tuple.checkpoint.channel_versions,
      );
      const byTask = new Map<string, [string, unknown][]>();
      for (const [taskId, channel, value] of tuple.pendingWrites ?? []) {
        byTask.set(taskId, [...(byTask.get(taskId) ?? []), [channel, value]]);
      }
      for (const [taskId, writes] of byTask) await this.saver.putWrites(written, writes, taskId);
    }
  }
}

function recordConfig(threadId: string) {
  return {
    configurable: { thread_id: threadId, checkpoint_ns: RECORD_NS, checkpoint_id: RECORD_ID },
  };
}

function recordOf(tuple: CheckpointTuple): ThreadRecord | undefined {
  const record = tuple.checkpoint.channel_values.record;
  return typeof record === "object" && record !== null ? (record as ThreadRecord) : undefined;
}
