import type { BaseCheckpointSaver, CheckpointTuple } from "@langchain/langgraph";
import { latestCheckpointId } from "../stores/latest-checkpoint.js";

/**
 * The graph state of threads in the checkpointer, for the operations the server does
 * on whole threads: which checkpoint is the latest, copying a thread, and rolling one
 * back to an earlier checkpoint.
 */
export class GraphState {
  constructor(private readonly saver: BaseCheckpointSaver) {}

  /**
   * The id of the thread's latest checkpoint, or undefined when it has none. A saver that
   * can name it without reading the checkpoint (the PostgreSQL store's) is asked so.
   */
  head(threadId: string): Promise<string | undefined> {
    return latestCheckpointId(this.saver, threadId);
  }

  /** True when the thread has a checkpoint with this id. */
  async has(threadId: string, checkpointId: string): Promise<boolean> {
    const tuple = await this.saver.getTuple({
      configurable: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: checkpointId },
    });
    return tuple !== undefined;
  }

  /** Deletes every checkpoint of the thread. */
  async delete(threadId: string): Promise<void> {
    await this.saver.deleteThread(threadId);
  }

  /** Copies every checkpoint of `from` to `to`, oldest first so each keeps its parent. */
  async copy(from: string, to: string): Promise<void> {
    await this.write(to, await this.checkpoints(from));
  }

  /** Rewrites a thread keeping only the checkpoints `keep` selects (for a rollback). */
  async prune(threadId: string, keep: (tuple: CheckpointTuple) => boolean): Promise<void> {
    const tuples = await this.checkpoints(threadId);
    await this.saver.deleteThread(threadId);
    await this.write(threadId, tuples.filter(keep));
  }

  private async checkpoints(threadId: string): Promise<CheckpointTuple[]> {
    const tuples: CheckpointTuple[] = [];
    for await (const tuple of this.saver.list({ configurable: { thread_id: threadId } })) {
      tuples.push(tuple);
    }
    return tuples;
  }

  private write(threadId: string, tuples: CheckpointTuple[]): Promise<void> {
    return writeCheckpoints(this.saver, threadId, tuples);
  }
}

/**
 * Writes `tuples` (checkpoints with their pending writes) to thread `threadId` of
 * `saver`, oldest first, each under its parent: a thread's history written again, as a
 * copy or after a rewrite.
 */
export async function writeCheckpoints(
  saver: BaseCheckpointSaver,
  threadId: string,
  tuples: readonly CheckpointTuple[],
): Promise<void> {
  const sorted = [...tuples].sort((a, b) => a.checkpoint.id.localeCompare(b.checkpoint.id));
  for (const tuple of sorted) {
    const ns = (tuple.config.configurable?.checkpoint_ns as string | undefined) ?? "";
    const parent = tuple.parentConfig?.configurable?.checkpoint_id as string | undefined;
    const written = await saver.put(
      { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: parent } },
      tuple.checkpoint,
      tuple.metadata ?? { source: "update", step: -1, parents: {} },
      tuple.checkpoint.channel_versions,
    );
    const byTask = new Map<string, [string, unknown][]>();
    for (const [taskId, channel, value] of tuple.pendingWrites ?? []) {
      byTask.set(taskId, [...(byTask.get(taskId) ?? []), [channel, value]]);
    }
    for (const [taskId, writes] of byTask) await saver.putWrites(written, writes, taskId);
  }
}
