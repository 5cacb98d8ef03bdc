import type { BaseCheckpointSaver, Checkpoint, CheckpointTuple } from "@langchain/langgraph";
import { emptyCheckpoint } from "@langchain/langgraph";

/**
 * Fields stored beside a record that a listing can select on. The checkpointer filters
 * on them itself (a SqliteSaver in SQL), so a listing does not read every record.
 */
export type RecordIndex = Record<string, string>;

const RECORD_ID = "record";

/**
 * Plain JSON records kept in the checkpointer, one per storage thread, in a checkpoint
 * namespace of their own. So the server's own bookkeeping persists exactly as far as
 * graph state does (a SqliteSaver file keeps both across restarts) and no second
 * storage has to be configured or kept in sync. Deleting a record is deleting its
 * storage thread, the one removal every checkpointer offers.
 */
export class CheckpointRecords<T extends object> {
  constructor(
    private readonly saver: BaseCheckpointSaver,
    /** The checkpoint namespace the records live in; graph state never uses it. */
    readonly namespace: string,
  ) {}

  /** The record stored under `threadId`, if any. */
  async get(threadId: string): Promise<T | undefined> {
    const tuple = await this.saver.getTuple({
      configurable: {
        thread_id: threadId,
        checkpoint_ns: this.namespace,
        checkpoint_id: RECORD_ID,
      },
    });
    return tuple ? this.recordOf(tuple) : undefined;
  }

  /** Creates or replaces the record under `threadId`, with the fields a listing selects on. */
  async put(threadId: string, record: T, index: RecordIndex = {}): Promise<void> {
    const checkpoint: Checkpoint = {
      ...emptyCheckpoint(),
      id: RECORD_ID,
      channel_values: { record },
      channel_versions: { record: 1 },
    };
    await this.saver.put(
      { configurable: { thread_id: threadId, checkpoint_ns: this.namespace } },
      checkpoint,
      { source: "update", step: -1, parents: {}, ...index },
      { record: 1 },
    );
  }

  /** Every record whose index has all the given values. */
  async list(where: RecordIndex = {}): Promise<T[]> {
    const records: T[] = [];
    const tuples = this.saver.list(
      { configurable: { checkpoint_ns: this.namespace } },
      { filter: where },
    );
    for await (const tuple of tuples) {
      const record = this.recordOf(tuple);
      if (record) records.push(record);
    }
    return records;
  }

  /** Deletes `threadId`: its record and anything else stored under that thread. */
  async delete(threadId: string): Promise<void> {
    await this.saver.deleteThread(threadId);
  }

  /** True when a tuple is one of these records rather than graph state. */
  holds(tuple: CheckpointTuple): boolean {
    return tuple.config.configurable?.checkpoint_ns === this.namespace;
  }

  private recordOf(tuple: CheckpointTuple): T | undefined {
    const record = tuple.checkpoint.channel_values.record;
    return typeof record === "object" && record !== null ? (record as T) : undefined;
  }
}
