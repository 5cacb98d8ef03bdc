import { Command } from "@langchain/langgraph";
import type { ResumePayloadSchema } from "../../models/index.js";
import type { RegisteredAgent } from "../agents.js";
import type { RunRecord } from "./run-record.js";
import type {
  MultitaskStrategy,
  RunScheduler,
  RunSchedulerDeps,
  ThreadHolder,
} from "./run-scheduler.js";
import { storeClaiming } from "./thread-claim.js";

/** What the runs of a store one process owns need from the run manager. */
export type InProcessRunsDeps = Pick<
  RunSchedulerDeps,
  "writes" | "executions" | "recover" | "makeWay"
>;

/**
 * The runs of a store one process owns: each executes here, started as soon as it is
 * stored; the runs of a thread one after another (each leg waits for the one started
 * before it on its thread). Nothing executes elsewhere, so nothing is followed.
 */
export class InProcessRuns implements RunScheduler {
  /** The leg last started on each thread, which a run enqueued on it waits for. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly deps: InProcessRunsDeps) {}

  start(): Promise<void> {
    return this.deps.recover();
  }

  async enqueue(record: RunRecord): Promise<void> {
    await this.deps.writes.insert(record);
  }

  async enqueueOnThread(record: RunRecord, strategy: MultitaskStrategy): Promise<void> {
    const threadId = record.thread_id as string;
    // Claimed in the write that stores the run: no thread is held by a run not stored.
    await storeClaiming(
      threadId,
      (holder) => this.deps.makeWay(threadId, holder, strategy),
      (over) =>
        this.deps.writes.insert(record, { threadId, ...(over !== undefined ? { over } : {}) }),
    );
  }

  launch(record: RunRecord, agent: RegisteredAgent): RunRecord {
    this.execute(record, agent, record.creation.input ?? null, true);
    return record;
  }

  async settle(): Promise<void> {}

  async resume(
    record: RunRecord,
    agent: RegisteredAgent,
    body: ResumePayloadSchema,
  ): Promise<RunRecord> {
    this.execute(record, agent, new Command({ resume: body }), false);
    return record;
  }

  async cancelElsewhere(): Promise<boolean> {
    return false;
  }

  async caughtUp(): Promise<void> {}

  known(): RunRecord | undefined {
    return undefined;
  }

  follow(record: RunRecord): RunRecord {
    return record;
  }

  async holder(activeId: string): Promise<ThreadHolder> {
    const record = this.deps.executions.live.get(activeId);
    // A run that holds a thread here executes here until it frees it.
    return record ? { record, ended: false } : { ended: false };
  }

  forgetThread(threadId: string): void {
    this.tails.delete(threadId);
  }

  pause(): void {}

  async stop(): Promise<void> {}

  private execute(record: RunRecord, agent: RegisteredAgent, input: unknown, inserted: boolean) {
    const threadId = record.thread_id;
    const previous = threadId !== undefined ? this.tails.get(threadId) : undefined;
    const leg = this.deps.executions.start(record, agent, input, inserted, previous);
    if (threadId !== undefined && leg) this.tails.set(threadId, leg);
  }
}
