import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointTuple,
} from "@langchain/langgraph";

type ListOptions = Parameters<BaseCheckpointSaver["list"]>[1];
type Versions = Parameters<BaseCheckpointSaver["put"]>[3];
type Writes = Parameters<BaseCheckpointSaver["putWrites"]>[1];

/**
 * A checkpointer that is there at once and forwards to one that is still being set up:
 * the PostgreSQL store loads its driver and migrates its schema asynchronously, while a
 * server binds its graphs to their checkpointer when it is built. Each call waits for
 * the real one (LangGraph's `PostgresSaver`), and fails as its setup failed.
 */
export class DeferredSaver extends BaseCheckpointSaver {
  constructor(private readonly real: Promise<BaseCheckpointSaver>) {
    super();
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    return (await this.real).getTuple(config);
  }

  async *list(config: RunnableConfig, options?: ListOptions): AsyncGenerator<CheckpointTuple> {
    yield* (await this.real).list(config, options);
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: Versions,
  ): Promise<RunnableConfig> {
    return (await this.real).put(config, checkpoint, metadata, newVersions);
  }

  async putWrites(
    config: RunnableConfig,
    writes: Writes,
    taskId: string,
    taskPath?: string,
  ): Promise<void> {
    return (await this.real).putWrites(config, writes, taskId, taskPath);
  }

  async deleteThread(threadId: string): Promise<void> {
    return (await this.real).deleteThread(threadId);
  }
}
