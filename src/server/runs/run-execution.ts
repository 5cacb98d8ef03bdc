import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { messageOf } from "../../core/message-of.js";
import { sleep } from "../../core/sleep.js";
import { traceRun } from "../../core/tracing-server.js";
import type { AgentRegistry, RegisteredAgent } from "../agents.js";
import { RunEndNotStoredError } from "../errors.js";
import type { ACPServerLogger } from "../options.js";
import type { ThreadEnd } from "../stores/replicas.js";
import type { ThreadStore } from "../stores/store.js";
import type { WebhookNotifier } from "../webhooks/notifier.js";
import type { GraphState } from "./graph-state.js";
import type { RunErrorReporter } from "./run-errors.js";
import {
  errorOutcome,
  executeLeg,
  failedOutcome,
  isStoreAway,
  type LegGraph,
  type LegOutcome,
  type StopReason,
  withEvent,
} from "./run-leg.js";
import { actingPhase, attemptOf, transition } from "./run-phase.js";
import { now, type RunRecord, toWireRun } from "./run-record.js";
import { langGraphAskOf } from "./run-validation.js";
import { applyEnd, type RunEnd, type RunWrites } from "./run-writes.js";

/** What executing runs needs from the server. */
export interface RunExecutionDeps {
  agents: AgentRegistry;
  saver: BaseCheckpointSaver;
  graphState: GraphState;
  threads: ThreadStore;
  webhooks: WebhookNotifier;
  /** What clients are told of a graph's errors, and what the log gets. */
  errors: RunErrorReporter;
  runTimeoutMs?: number;
  writes: RunWrites;
  /** Aborts once the server shuts down. */
  shutdown: AbortSignal;
  /**
   * Told of a run this process stopped executing that has not ended: it goes on in a
   * replica (maybe this one, later), and its record here follows it from now on.
   */
  relinquished?: (record: RunRecord) => void;
  logger: ACPServerLogger;
  /**
   * True when the store names a thread run's head in the write of its end (a
   * replicated store that keeps the graphs' checkpoints): the end reads no head first.
   */
  storeNamesHead?: boolean;
}

/**
 * The runs executing in this process: starts each execution (a leg) in the background
 * and ends it, storing its status, notifying its webhook and freeing its thread.
 */
export class RunExecutions {
  /** The runs executing (or being stopped) in this process. */
  readonly live = new Map<string, RunRecord>();

  constructor(private readonly deps: RunExecutionDeps) {}

  /**
   * Starts (or restarts, after a resume) the background execution of a run. A run
   * that was just `inserted` is stored as pending already and is not written again.
   * A run deleted meanwhile is not started. The leg waits for `previous` (the one before
   * it on its thread) first. Returns the leg, or undefined when none was started.
   */
  start(
    record: RunRecord,
    agent: RegisteredAgent,
    input: unknown,
    inserted = false,
    previous?: Promise<void>,
  ): Promise<void> | undefined {
    if (record.phase.kind === "deleted") return undefined;
    const controller = new AbortController();
    // The leg is in the run's phase before it executes a step: whatever stops it finds it.
    let settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
    const leg = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    record.phase = transition(record.phase, { type: "start", controller, leg });
    record.events.onAppend = () => this.deps.writes.saveEventsSoon(record);
    this.live.set(record.run_id, record);
    record.status = "pending";
    record.output = undefined;
    // A run just inserted is as stored: pending, updated when it was created.
    if (!inserted) record.updated_at = now();
    record.events.wake();
    // A run just inserted has no push configs yet: its insert is its start's write.
    // Otherwise its start's write tells (or, when it stored nothing, its configs do).
    const written = inserted
      ? false
      : this.deps.writes.save(record).then((w) => w?.pushConfigs ?? true);
    this.notify(record, written);
    const ended = () => {
      if (this.live.get(record.run_id) === record && record.status !== "pending") {
        this.live.delete(record.run_id);
      }
    };
    this.execute(record, agent, input, controller, previous).then(
      () => {
        ended();
        settle?.resolve();
      },
      (err: unknown) => {
        ended();
        settle?.reject(err);
      },
    );
    return leg;
  }

  /** Marks the runs of a deleted thread executing here deleted, so nothing stores them again. */
  forgetThread(threadId: string): void {
    for (const r of this.live.values()) {
      if (r.thread_id === threadId && r.phase.kind !== "deleted") {
        r.phase = transition(r.phase, { type: "delete" });
      }
    }
  }

  /**
   * The graph a run executes on. A stateless run of an agent that declares no
   * interrupts, whose thread is deleted at completion anyway, needs no checkpoints:
   * it runs without a checkpointer, so it does not pay for writing them. The LangGraph
   * stream modes the run asked for go with it.
   */
  graphFor(record: RunRecord, agent: RegisteredAgent): LegGraph {
    const stateless = record.thread_id === undefined && record.creation.on_completion !== "keep";
    const langGraphModes = langGraphAskOf(record.creation.config, agent.streamLangGraph);
    return stateless && !agent.interrupts
      ? { graph: agent.uncheckpointed, checkpointed: false, langGraphModes }
      : { graph: agent.graph, checkpointed: true, langGraphModes };
  }

  /**
   * Ends a run with `status` and `output` (and `event`, the one that ends its stream),
   * stores it and frees its thread (idle again when the run was `cancelled`, or is
   * stopping for a cancel). Its readers and waiters see the end once it is stored; a
   * run another replica took over meanwhile is not ended here but followed. `head` is
   * the thread's latest checkpoint when the leg read it already; it is read otherwise.
   */
  async finish(
    record: RunRecord,
    status: Exclude<RunRecord["status"], "pending">,
    output: NonNullable<RunRecord["output"]>,
    event?: RunEnd["event"],
    {
      cancelled = actingPhase(record.phase).kind === "stopping",
      head,
    }: { cancelled?: boolean; head?: string } = {},
  ): Promise<void> {
    const threadId = record.thread_id;
    if (threadId === undefined && output.type !== "interrupt") {
      // A run executed without a checkpointer wrote nothing to delete.
      const agent = this.deps.agents.find(record.agent_id);
      const checkpointed = !agent || this.graphFor(record, agent).checkpointed;
      if (record.creation.on_completion !== "keep" && checkpointed) {
        await this.deps.saver.deleteThread(record.graphThreadId).catch(() => undefined);
      }
    }
    // Named by the store in the end's own write, where it keeps the checkpoints and this
    // execution owns the run (see `ThreadEnd.nameHead`); else read here.
    const nameHead =
      threadId !== undefined &&
      head === undefined &&
      this.deps.storeNamesHead === true &&
      attemptOf(record.phase) !== undefined;
    if (threadId !== undefined) {
      record.head = nameHead
        ? undefined
        : (head ?? (await this.deps.graphState.head(threadId).catch(() => undefined)) ?? "");
    }
    const threadEnd: ThreadEnd | undefined =
      threadId === undefined
        ? undefined
        : {
            ...(nameHead ? { nameHead } : {}),
            threadId,
            status: cancelled
              ? "idle"
              : output.type === "interrupt"
                ? "interrupted"
                : status === "success"
                  ? "idle"
                  : "error",
          };
    // The thread is freed in the same write as the run's end: a client that sees the run
    // end, on any replica, sees it free. A run deleted meanwhile (before or while its
    // end is written) may write no end: its thread is freed on its own.
    const end: RunEnd = { status, output, ...(event ? { event } : {}) };
    if (!(await this.storeEnd(record, end, threadEnd))) return;
    if (threadEnd && record.phase.kind === "deleted" && attemptOf(record.phase) === undefined) {
      await this.freeThread(threadEnd, record.run_id);
    }
  }

  /** Gives a thread its status at a run's end and frees it, when that run holds it. */
  private async freeThread(threadEnd: ThreadEnd, runId: string): Promise<void> {
    const threads = this.deps.threads;
    await threads.patch(threadEnd.threadId, { status: threadEnd.status, updated_at: now() });
    await threads.release(threadEnd.threadId, runId);
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
    const stopReason = (): StopReason | undefined => {
      const phase = actingPhase(record.phase);
      // Another replica took the run over: whatever else stopped it is not this one's to end.
      if (phase.kind === "lost") return "lost";
      if (phase.kind === "stopping") return "cancel";
      if (this.deps.shutdown.aborted) {
        // A replica that shuts down hands the runs it owns over to the others.
        return attemptOf(phase) !== undefined ? "handover" : "shutdown";
      }
      return timeout?.aborted ? "timeout" : undefined;
    };
    try {
      if (previous) await Promise.race([previous, aborted(stopped)]);
      const after = (record.creation.after_seconds ?? 0) * 1000;
      // A stop during the wait is seen by the checks that follow, so it ends the wait quietly.
      if (after > 0) await sleep(after, stopped).catch(() => undefined);
      if (record.thread_id !== undefined && record.baseline === undefined) {
        record.baseline = (await this.deps.graphState.head(record.thread_id)) ?? "";
        // A replica that takes the run over must know where it started.
        if (attemptOf(record.phase) !== undefined) await this.deps.writes.save(record);
      }
      if (this.deps.runTimeoutMs !== undefined) {
        timeout = AbortSignal.timeout(this.deps.runTimeoutMs);
      }
      const signal = timeout ? AbortSignal.any([stopped, timeout]) : stopped;
      // Stopped before it started: its stream shows no event of it.
      const outcome: LegOutcome = signal.aborted
        ? { ...failedOutcome(record.run_id, undefined, stopReason()), event: undefined }
        : await traceRun(
            () => runTraceInfo(record, agent),
            (callbacks) =>
              executeLeg(
                record,
                { ...this.graphFor(record, agent), callbacks },
                input,
                signal,
                stopReason,
                this.deps.errors,
              ),
          );
      if (outcome.goesOn === "handover") return await this.deps.writes.handBack(record);
      if (outcome.goesOn === "lost") return this.relinquish(record);
      if (outcome.goesOn === "unavailable") return await this.storeAway(record);
      await this.finish(record, outcome.status, outcome.output, outcome.event, {
        head: outcome.head,
      });
    } catch (err) {
      const lost = record.phase.kind === "lost";
      if (isStoreAway(err) && !lost) {
        return await this.storeAway(record);
      }
      if (lost) return this.relinquish(record);
      const description = this.deps.errors.describe(record.run_id, err);
      const { status, output, event } = failedOutcome(record.run_id, description, undefined);
      await this.finish(record, status, output, event);
    }
  }

  /**
   * The store was away while the run executed: the run did not fail. An execution
   * owned through the replicas' queue gives the run back to it (a replica executes it
   * again from its last checkpoint, once the database is back) and follows it; in a
   * store one process owns there is no one to give it to, and it ends in error, 503.
   */
  private async storeAway(record: RunRecord): Promise<void> {
    if (attemptOf(record.phase) !== undefined) {
      await this.deps.writes
        .giveBack(record)
        .catch((err) =>
          this.deps.logger.warn(`run ${record.run_id} could not be given back: ${messageOf(err)}`),
        );
      return this.relinquish(record);
    }
    const description = "the store was unavailable while the run executed";
    const failed = withEvent(errorOutcome("error", record.run_id, 503, description));
    await this.finish(record, failed.status, failed.output, failed.event);
  }

  /**
   * This process no longer executes the run, which has not ended: its record leaves the
   * executing runs and follows the run wherever it goes on.
   */
  private relinquish(record: RunRecord): void {
    if (this.live.get(record.run_id) === record) this.live.delete(record.run_id);
    // A deleted run is followed nowhere.
    if (record.phase.kind === "deleted") return;
    if (record.phase.kind === "lost") {
      record.phase = transition(record.phase, { type: "relinquish" });
    }
    this.deps.relinquished?.(record);
  }

  /**
   * Stores the run's end; true once it is stored (and shown). False when the run is not
   * ended here: another replica took it over (the record follows it), or the store
   * stayed away past its retries (its waiters are told to wait again).
   */
  private async storeEnd(record: RunRecord, end: RunEnd, threadEnd?: ThreadEnd): Promise<boolean> {
    // Unknown unless the end is stored: the run's configs are read then.
    let pushConfigs = true;
    try {
      const written = await this.deps.writes.end(record, end, threadEnd);
      if (written === "lost") {
        this.relinquish(record);
        return false;
      }
      pushConfigs = written.pushConfigs;
      if (written.head !== undefined) record.head = written.head;
    } catch (err) {
      if (err instanceof RunEndNotStoredError) {
        this.deps.logger.warn(messageOf(err));
        const owned = attemptOf(record.phase) !== undefined;
        if (record.phase.kind !== "deleted") {
          record.phase = transition(record.phase, { type: "unstore", error: err });
        }
        record.events.wake();
        if (owned) this.relinquish(record);
        return false;
      }
      // Taken over while the write failed: the run goes on elsewhere.
      if (record.phase.kind === "lost") {
        this.relinquish(record);
        return false;
      }
      // Not a store that is away: the end stands here, as the execution decided it.
      this.deps.logger.warn(`run ${record.run_id} could not be stored: ${messageOf(err)}`);
      if (threadEnd?.nameHead) {
        record.head =
          (await this.deps.graphState.head(threadEnd.threadId).catch(() => undefined)) ?? "";
      }
      applyEnd(record, end, now());
      if (end.event) record.events.append(end.event);
      // Its thread is freed all the same, as a write of its own.
      if (threadEnd && attemptOf(record.phase) === undefined) {
        await this.freeThread(threadEnd, record.run_id);
      }
    }
    this.notify(record, pushConfigs);
    return true;
  }

  /**
   * Ends as cancelled (`error`, errcode 499) a run that executes nothing now: one
   * waiting at an interrupt for a resume, or one taken out of the replicas' queue.
   */
  async endCancelled(record: RunRecord): Promise<void> {
    const { status, output, event } = failedOutcome(record.run_id, undefined, "cancel");
    await this.finish(record, status, output, event, { cancelled: true });
  }

  /**
   * Calls the run's webhook with the run as it is now, when its agent takes callbacks,
   * and tells the notifier's listeners (A2A push notifications) of the change, with
   * whether the write that stored it found push configs of the run.
   */
  private notify(record: RunRecord, pushConfigs: boolean | Promise<boolean>): void {
    this.deps.webhooks.runChanged(record, pushConfigs);
    const agent = this.deps.agents.find(record.agent_id);
    if (record.creation.webhook && agent?.descriptor.specs.capabilities.callbacks === true) {
      this.deps.webhooks.notify(record.run_id, record.creation.webhook, toWireRun(record));
    }
  }
}

/** What the span of a run's leg names: the run, its agent and its thread. */
function runTraceInfo(record: RunRecord, agent: RegisteredAgent) {
  const { name, version } = agent.descriptor.metadata.ref;
  const info = { runId: record.run_id, agentId: record.agent_id, agentName: name };
  return { ...info, agentVersion: version, threadId: record.thread_id, createdIn: record.trace };
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
