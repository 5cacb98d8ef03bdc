import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { sleep } from "../../core/sleep.js";
import type { CancelAction } from "../../operations.js";
import type { AgentRegistry, RegisteredAgent } from "../agents.js";
import type { ReplicaCoordination, ThreadEnd } from "../stores/replicas.js";
import type { ThreadStore } from "../stores/store.js";
import type { WebhookNotifier } from "../webhooks/notifier.js";
import type { GraphState } from "./graph-state.js";
import type { RunErrorReporter } from "./run-errors.js";
import { executeLeg, failedOutcome, type LegGraph, type StopReason } from "./run-leg.js";
import { now, type RunRecord, toWireRun } from "./run-record.js";
import type { RunWrites } from "./run-writes.js";

/** What executing runs needs from the server. */
export interface RunExecutionDeps {
  agents: AgentRegistry;
  saver: BaseCheckpointSaver;
  graphState: GraphState;
  threads: ThreadStore;
  /** Present on a store shared by replicas (see `ServerStore.replicas`). */
  replicas: ReplicaCoordination | undefined;
  webhooks: WebhookNotifier;
  /** What clients are told of a graph's errors, and what the log gets. */
  errors: RunErrorReporter;
  runTimeoutMs?: number;
  writes: RunWrites;
  /** Aborts once the server shuts down. */
  shutdown: AbortSignal;
}

/**
 * The runs executing in this process: starts each execution (a leg) in the background
 * and ends it, storing its status, notifying its webhook and freeing its thread.
 */
export class RunExecutions {
  /** The runs executing (or being stopped) in this process. */
  readonly live = new Map<string, RunRecord>();
  /** The leg last started on each thread, which an enqueued run waits for. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly deps: RunExecutionDeps) {}

  /**
   * Starts (or restarts, after a resume) the background execution of a run. A run
   * that was just `inserted` is stored as pending already and is not written again.
   */
  start(record: RunRecord, agent: RegisteredAgent, input: unknown, inserted = false): void {
    const replicas = this.deps.replicas;
    const threadId = record.thread_id;
    // With replicas, a queued run is claimed only once the run it waits for has ended.
    const previous = threadId !== undefined && !replicas ? this.tails.get(threadId) : undefined;
    const controller = new AbortController();
    record.controller = controller;
    record.cancelling = undefined;
    record.events.onAppend = () => this.deps.writes.saveEventsSoon(record);
    this.live.set(record.run_id, record);
    void this.setStatus(record, "pending", undefined, !inserted);
    record.leg = this.execute(record, agent, input, controller, previous).finally(() => {
      if (this.live.get(record.run_id) === record && record.status !== "pending") {
        this.live.delete(record.run_id);
      }
    });
    if (threadId !== undefined && !replicas) this.tails.set(threadId, record.leg);
  }

  /** Marks the runs of a deleted thread executing here deleted, so nothing stores them again. */
  forgetThread(threadId: string): void {
    for (const r of this.live.values()) if (r.thread_id === threadId) r.deleted = true;
    this.tails.delete(threadId);
  }

  /**
   * The graph a run executes on. A stateless run of an agent that declares no
   * interrupts, whose thread is deleted at completion anyway, needs no checkpoints:
   * it runs without a checkpointer, so it does not pay for writing them.
   */
  graphFor(record: RunRecord, agent: RegisteredAgent): LegGraph {
    const stateless = record.thread_id === undefined && record.creation.on_completion !== "keep";
    return stateless && !agent.interrupts
      ? { graph: agent.uncheckpointed, checkpointed: false }
      : { graph: agent.graph, checkpointed: true };
  }

  /** Ends a run with `status` and `output`, stores it and frees its thread. */
  async finish(
    record: RunRecord,
    status: Exclude<RunRecord["status"], "pending">,
    output: NonNullable<RunRecord["output"]>,
  ): Promise<void> {
    const threadId = record.thread_id;
    if (threadId === undefined && output.type !== "interrupt") {
      // A run executed without a checkpointer wrote nothing to delete.
      const agent = this.deps.agents.find(record.agent_id);
      const checkpointed = !agent || this.graphFor(record, agent).checkpointed;
      if (record.creation.on_completion !== "keep" && checkpointed) {
        await this.deps.saver.deleteThread(record.graphThreadId).catch(() => undefined);
      }
    } else if (threadId !== undefined) {
      record.head = (await this.deps.graphState.head(threadId).catch(() => undefined)) ?? "";
    }
    const threadEnd: ThreadEnd | undefined =
      threadId === undefined
        ? undefined
        : {
            threadId,
            status: record.cancelling
              ? "idle"
              : output.type === "interrupt"
                ? "interrupted"
                : status === "success"
                  ? "idle"
                  : "error",
          };
    // An execution the replicas' queue handed here frees the thread in the same write
    // as the run's end: a client that sees the run end, on any replica, sees it free.
    const withRun = this.deps.replicas !== undefined && record.attempt !== undefined;
    await this.setStatus(record, status, output, true, withRun ? threadEnd : undefined);
    if (threadEnd && !withRun && !record.lost) {
      const threads = this.deps.threads;
      await threads.patch(threadEnd.threadId, { status: threadEnd.status, updated_at: now() });
      await threads.release(threadEnd.threadId, record.run_id);
    }
  }

  private async execute(
    record: RunRecord,
    agent: RegisteredAgent,
    input: unknown,
    controller: AbortController,
    previous: Promise<void> | undefined,
  ): Promise<void> {
    const stopped = controller.signal;
    let timeout: AbortSignal | undefined;
    const stopReason = (): StopReason | undefined =>
      record.cancelling
        ? "cancel"
        : this.deps.shutdown.aborted
          ? // A replica that shuts down hands the runs it owns over to the others.
            this.deps.replicas && record.attempt !== undefined
            ? "handover"
            : "shutdown"
          : timeout?.aborted
            ? "timeout"
            : undefined;
    try {
      if (previous) await Promise.race([previous, aborted(stopped)]);
      const after = (record.creation.after_seconds ?? 0) * 1000;
      // A stop during the wait is seen by the checks that follow, so it ends the wait quietly.
      if (after > 0) await sleep(after, stopped).catch(() => undefined);
      if (record.thread_id !== undefined && record.baseline === undefined) {
        record.baseline = (await this.deps.graphState.head(record.thread_id)) ?? "";
        // A replica that takes the run over must know where it started.
        if (this.deps.replicas) await this.deps.writes.save(record);
      }
      if (this.deps.runTimeoutMs !== undefined) {
        timeout = AbortSignal.timeout(this.deps.runTimeoutMs);
      }
      const signal = timeout ? AbortSignal.any([stopped, timeout]) : stopped;
      const outcome = signal.aborted
        ? failedOutcome(record.run_id, undefined, stopReason())
        : await executeLeg(
            record,
            this.graphFor(record, agent),
            input,
            signal,
            stopReason,
            this.deps.errors,
          );
      if (outcome.handedOver) return await this.deps.writes.handBack(record);
      await this.finish(record, outcome.status, outcome.output);
    } catch (err) {
      const description = this.deps.errors.describe(record.run_id, err);
      const { status, output } = failedOutcome(record.run_id, description, undefined);
      await this.finish(record, status, output);
    }
  }

  /**
   * Ends as cancelled (`error`, errcode 499) a run that executes nothing now: one
   * waiting at an interrupt for a resume, or one taken out of the replicas' queue.
   */
  async endCancelled(record: RunRecord, action: CancelAction): Promise<void> {
    record.cancelling = action;
    const { status, output } = failedOutcome(record.run_id, undefined, "cancel");
    if (output.type === "error") record.events.append({ ...output, status });
    await this.finish(record, status, output);
  }

  private async setStatus(
    record: RunRecord,
    status: RunRecord["status"],
    output: RunRecord["output"],
    store = true,
    threadEnd?: ThreadEnd,
  ): Promise<void> {
    record.status = status;
    record.output = output;
    record.updated_at = now();
    record.events.wake();
    const agent = this.deps.agents.find(record.agent_id);
    if (record.creation.webhook && agent?.descriptor.specs.capabilities.callbacks === true) {
      this.deps.webhooks.notify(record.run_id, record.creation.webhook, toWireRun(record));
    }
    if (store && !record.deleted) await this.deps.writes.save(record, threadEnd);
  }
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
