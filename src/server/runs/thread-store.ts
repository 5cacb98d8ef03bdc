import type { BaseCheckpointSaver, CheckpointTuple } from "@langchain/langgraph";
import type { ThreadStatus } from "../../models/index.js";
import { CheckpointRecords } from "./checkpoint-records.js";

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
  /**
   * The run last created on the thread: the only one whose interrupt can still be
   * resumed. Stored so that this holds after a restart too.
   */
  last_run_id?: string;
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
 * does, and `deleteThread` removes both.
 */
const RECORD_NS = "__acp_thread__";

/** Thread records, stored in the checkpointer beside the threads' checkpoints. */
export class ThreadStore {
  private readonly records: CheckpointRecords<ThreadRecord>;

  constructor(private readonly saver: BaseCheckpointSaver) {
    this.records = new CheckpointRecords(saver, RECORD_NS);
  }

  /** The record of a thread, or undefined when there is no such thread. */
  get(threadId: string): Promise<ThreadRecord | undefined> {
    return this.records.get(threadId);
  }

  /** True when the thread has a graph checkpoint with this id. */
  async hasCheckpoint(threadId: string, checkpointId: string): Promise<boolean> {
    const tuple = await this.saver.getTuple({
      configurable: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: checkpointId },
    });
    return tuple !== undefined;
  }

  /** Creates or replaces a thread's record. */
  put(record: ThreadRecord): Promise<void> {
    return this.records.put(record.thread_id, record);
  }

  /** Every thread record. */
  list(): Promise<ThreadRecord[]> {
    return this.records.list();
  }

  /** Deletes a thread: its record and all its checkpoints. */
  delete(threadId: string): Promise<void> {
    return this.records.delete(threadId);
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
      if (!this.records.holds(tuple)) tuples.push(tuple);
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
