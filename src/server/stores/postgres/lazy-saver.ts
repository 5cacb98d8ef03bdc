import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointTuple,
} from "@langchain/langgraph";
import { latestCheckpointId } from "../latest-checkpoint.js";
import { storeErrorOf } from "./unavailable.js";

type ListOptions = Parameters<BaseCheckpointSaver["list"]>[1];
type Versions = Parameters<BaseCheckpointSaver["put"]>[3];
type Writes = Parameters<BaseCheckpointSaver["putWrites"]>[1];

/**
 * A checkpointer that is there at once and forwards to one that is still being set up:
 * the PostgreSQL store loads its driver and migrates its schema asynchronously, while a
 * server binds its graphs to their checkpointer when it is built. Each call waits for
 * the real one (LangGraph's `PostgresSaver`), and fails as its setup failed. A database
 * that cannot be reached is a `StoreUnavailableError`, as for the store's own tables:
 * the run that meets it is not the graph's failure.
 */
export class DeferredSaver extends BaseCheckpointSaver {
  constructor(private readonly real: Promise<BaseCheckpointSaver>) {
    super();
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    return this.guard("checkpointer.getTuple", async (real) => real.getTuple(config));
  }

  async *list(config: RunnableConfig, options?: ListOptions): AsyncGenerator<CheckpointTuple> {
    try {
      yield* (await this.real).list(config, options);
    } catch (err) {
      throw storeErrorOf(err, "checkpointer.list");
    }
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: Versions,
  ): Promise<RunnableConfig> {
    return this.guard("checkpointer.put", (real) =>
      real.put(config, checkpoint, metadata, newVersions),
    );
  }

  async putWrites(
    config: RunnableConfig,
    writes: Writes,
    taskId: string,
    taskPath?: string,
  ): Promise<void> {
    return this.guard("checkpointer.putWrites", (real) =>
      real.putWrites(config, writes, taskId, taskPath),
    );
  }

  async deleteThread(threadId: string): Promise<void> {
    return this.guard("checkpointer.deleteThread", (real) => real.deleteThread(threadId));
  }

  /**
   * The id of the thread's latest checkpoint (root namespace), named by the real saver
   * when it can (the store's does, without reading the checkpoint), else read.
   */
  async latestCheckpointId(threadId: string): Promise<string | undefined> {
    return this.guard("checkpointer.getTuple", (real) => latestCheckpointId(real, threadId));
  }

  private async guard<T>(
    operation: string,
    call: (real: BaseCheckpointSaver) => Promise<T>,
  ): Promise<T> {
    try {
      return await call(await this.real);
    } catch (err) {
      throw storeErrorOf(err, operation);
    }
  }
}
