import type { BaseCheckpointSaver } from "@langchain/langgraph";

/**
 * A checkpointer that names a thread's latest checkpoint (in the root namespace) without
 * reading it: the id `getTuple` would answer with, at the cost of an index lookup (the
 * PostgreSQL store's does).
 */
export interface LatestCheckpointNaming {
  latestCheckpointId(threadId: string): Promise<string | undefined>;
}

/**
 * The id of the thread's latest checkpoint (root namespace), or undefined when it has
 * none: named by `saver` when it can, else read with `getTuple`.
 */
export async function latestCheckpointId(
  saver: BaseCheckpointSaver,
  threadId: string,
): Promise<string | undefined> {
  const naming = saver as BaseCheckpointSaver & Partial<LatestCheckpointNaming>;
  if (typeof naming.latestCheckpointId === "function") return naming.latestCheckpointId(threadId);
  const tuple = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
  return tuple?.checkpoint.id;
}
