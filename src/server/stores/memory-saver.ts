import type { RunnableConfig } from "@langchain/core/runnables";
import {
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointTuple,
  MemorySaver,
} from "@langchain/langgraph";

/**
 * LangGraph's `MemorySaver`, the server's default checkpointer, reading a thread's
 * latest checkpoint at the cost of one lookup. `MemorySaver` finds it by sorting every
 * checkpoint id of the thread, on each read; a thread run reads it several times (the
 * graph's own read, the run's baseline, its head at the end), so on a thread with
 * thousands of runs that sort was most of a run's cost. This one keeps the newest id of
 * each thread and namespace as checkpoints are stored (ids sort by time, as
 * `MemorySaver` compares them) and reads that one; everything else is `MemorySaver`'s.
 */
export class ServerMemorySaver extends MemorySaver {
  /** The newest checkpoint id, by thread, then namespace. */
  readonly #latest = new Map<string, Map<string, string>>();

  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
  ): Promise<RunnableConfig> {
    const stored = await super.put(config, checkpoint, metadata);
    const { thread_id: threadId, checkpoint_ns: ns = "" } = stored.configurable ?? {};
    if (typeof threadId === "string" && typeof ns === "string") {
      let byNs = this.#latest.get(threadId);
      if (!byNs) {
        byNs = new Map();
        this.#latest.set(threadId, byNs);
      }
      const newest = byNs.get(ns);
      if (newest === undefined || checkpoint.id > newest) byNs.set(ns, checkpoint.id);
    }
    return stored;
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const configurable = config.configurable ?? {};
    const { thread_id: threadId, checkpoint_ns: ns = "" } = configurable;
    const latest =
      configurable.checkpoint_id || configurable.thread_ts || typeof threadId !== "string"
        ? undefined
        : this.#latest.get(threadId)?.get(ns);
    if (latest === undefined) return super.getTuple(config);
    // The config `MemorySaver` answers a read of the latest checkpoint with.
    const tuple = await super.getTuple({
      configurable: { thread_id: threadId, checkpoint_id: latest, checkpoint_ns: ns },
    });
    // Not there any more (its storage changed behind this saver): read as MemorySaver does.
    return tuple ?? super.getTuple(config);
  }

  override async deleteThread(threadId: string): Promise<void> {
    await super.deleteThread(threadId);
    this.#latest.delete(threadId);
  }
}
