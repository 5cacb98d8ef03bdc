import { randomUUID } from "node:crypto";
import { type BaseCheckpointSaver, Command } from "@langchain/langgraph";
import type {
  ResumePayloadSchema,
  RunCreateStateful,
  RunCreateStateless,
  RunSearchRequest,
} from "../models/index.js";
import type { CancelAction } from "../operations.js";
import type { AgentRegistry, RegisteredAgent } from "./agents.js";
import { ACPHttpError, conflict, notFound, unprocessable } from "./http-error.js";
import { matchesAll } from "./match.js";
import { executeLeg, failedOutcome, type StopReason } from "./run-leg.js";
import { newRunRecord, type RunRecord, toWireRun } from "./run-record.js";
import { validateRunCreate } from "./run-validation.js";
import { newThreadRecord, type ThreadStore } from "./thread-store.js";
import type { WebhookNotifier } from "./webhooks.js";

/** What the run manager needs from the server. */
export interface RunManagerDeps {
  agents: AgentRegistry;
  saver: BaseCheckpointSaver;
  threads: ThreadStore;
  webhooks: WebhookNotifier;
  runTimeoutMs?: number;
  maxRetainedRuns: number;
}

/**
 * Every run of the server: creates them, executes them in the background, resumes,
 * cancels and deletes them, and tracks which thread each one keeps busy. Runs live in
 * memory; what must survive a restart (thread state and records) is in the checkpointer.
 */
export class RunManager {
  private readonly runs = new Map<string, RunRecord>();
  /** The pending run of each busy thread. */
  private readonly busy = new Map<string, string>();
  /** The leg last started on each thread, which an enqueued run waits for. */
  private readonly tails = new Map<string, Promise<void>>();
  /** The run last created on each thread: the only one whose interrupt can still be resumed. */
  private readonly latest = new Map<string, string>();
  private readonly shutdown = new AbortController();

  constructor(private readonly deps: RunManagerDeps) {}

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.shutdown.signal.aborted;
  }

  /** Creates and starts a stateless run. */
  createStateless(body: RunCreateStateless, streaming: boolean): RunRecord {
    this.assertOpen();
    const agent = this.deps.agents.resolve(body.agent_id);
    const modes = validateRunCreate(agent, body, streaming);
    const runId = randomUUID();
    const record = newRunRecord({
      run_id: runId,
      agent_id: agent.agentId,
      creation: body,
      graphThreadId: runId,
      modes,
    });
    this.runs.set(runId, record);
    this.start(record, agent, body.input ?? null);
    return record;
  }

  /** Creates and starts a run on a thread, applying its `multitask_strategy` when busy. */
  async createStateful(
    threadId: string,
    body: RunCreateStateful,
    streaming: boolean,
  ): Promise<RunRecord> {
    this.assertOpen();
    const agent = this.deps.agents.resolve(body.agent_id);
    if (agent.descriptor.specs.capabilities.threads !== true) {
      throw unprocessable(
        `agent ${agent.agentId} does not support threads (specs.capabilities.threads is not true)`,
      );
    }
    const modes = validateRunCreate(agent, body, streaming);
    let thread = await this.deps.threads.get(threadId);
    if (!thread) {
      if (body.if_not_exists !== "create") throw notFound(`thread ${threadId} not found`);
      thread = newThreadRecord(threadId);
      await this.deps.threads.put(thread);
    }
    const activeId = this.busy.get(threadId);
    if (activeId !== undefined) {
      const strategy = body.multitask_strategy ?? "reject";
      const active = this.runs.get(activeId);
      if (strategy === "reject" || !active) {
        throw conflict(`thread ${threadId} is busy with run ${activeId}`);
      }
      if (strategy === "interrupt" || strategy === "rollback") {
        await this.cancel(active, true, strategy);
      }
    }
    const record = newRunRecord({
      run_id: randomUUID(),
      thread_id: threadId,
      agent_id: agent.agentId,
      creation: body,
      graphThreadId: threadId,
      modes,
    });
    this.runs.set(record.run_id, record);
    this.latest.set(threadId, record.run_id);
    await this.deps.threads.put({
      ...thread,
      agent_id: agent.agentId,
      updated_at: record.created_at,
    });
    this.start(record, agent, body.input ?? null);
    return record;
  }

  /** Resumes an interrupted run with the payload its interrupt asked for. */
  resume(record: RunRecord, body: ResumePayloadSchema): RunRecord {
    this.assertOpen();
    if (record.status !== "interrupted" || record.output?.type !== "interrupt") {
      throw conflict(`run ${record.run_id} is ${record.status}, not waiting at an interrupt`);
    }
    if (record.thread_id !== undefined) {
      const activeId = this.busy.get(record.thread_id);
      if (activeId !== undefined) {
        throw conflict(`thread ${record.thread_id} is busy with run ${activeId}`);
      }
      if (this.latest.get(record.thread_id) !== record.run_id) {
        throw conflict(
          `run ${record.run_id} can no longer be resumed: a later run has changed thread ${record.thread_id}`,
        );
      }
    }
    const agent = this.deps.agents.get(record.agent_id);
    agent.resume.assert(body, "body");
    this.start(record, agent, new Command({ resume: body }));
    return record;
  }

  /** The stateless run with this id, or a 404. */
  getStateless(runId: string): RunRecord {
    const record = this.runs.get(runId);
    if (!record || record.thread_id !== undefined) throw notFound(`run ${runId} not found`);
    return record;
  }

  /** The run `runId` of thread `threadId`, or a 404. */
  getThreadRun(threadId: string, runId: string): RunRecord {
    const record = this.runs.get(runId);
    if (!record || record.thread_id !== threadId) {
      throw notFound(`run ${runId} not found on thread ${threadId}`);
    }
    return record;
  }

  /** Stateless runs matching a search, oldest first. */
  search(query: RunSearchRequest): RunRecord[] {
    const matches = [...this.runs.values()].filter(
      (r) =>
        r.thread_id === undefined &&
        (query.agent_id === undefined || r.agent_id === query.agent_id) &&
        (query.status === undefined || r.status === query.status) &&
        matchesAll(r.creation.metadata, query.metadata),
    );
    const offset = query.offset ?? 0;
    return matches.slice(offset, offset + (query.limit ?? 10));
  }

  /** The runs of a thread, oldest first. */
  listThreadRuns(threadId: string, limit: number, offset: number): RunRecord[] {
    const runs = [...this.runs.values()].filter((r) => r.thread_id === threadId);
    return runs.slice(offset, offset + limit);
  }

  /** The pending run of a thread, if it is busy. */
  activeRun(threadId: string): string | undefined {
    return this.busy.get(threadId);
  }

  /** Resolves when the run is no longer pending, or when `signal` aborts. */
  async wait(record: RunRecord, signal: AbortSignal): Promise<void> {
    while (record.status === "pending" && !signal.aborted) await record.events.changed(signal);
  }

  /**
   * Cancels a run. `interrupt` stops it; `rollback` also deletes it and the
   * checkpoints it wrote. With `wait`, resolves once it has stopped (and been rolled back).
   */
  async cancel(record: RunRecord, wait: boolean, action: CancelAction): Promise<void> {
    if (record.status === "pending") {
      record.cancelling = action;
      record.controller?.abort();
    } else if (record.output?.type === "interrupt") {
      // An interrupted run executes nothing, but it waits for a resume: cancelling
      // it ends that wait, so it can no longer be resumed.
      record.cancelling = action;
      const { status, output } = failedOutcome(record.run_id, undefined, "cancel");
      if (output.type === "error") record.events.append({ ...output, status });
      await this.finish(record, status, output);
    }
    const done = (async () => {
      await record.leg;
      if (action === "rollback") await this.rollback(record);
    })();
    if (wait) await done;
    else done.catch(() => undefined);
  }

  /** Deletes a run, stopping it first when it is pending. */
  async delete(record: RunRecord): Promise<void> {
    if (record.status === "pending") await this.cancel(record, true, "interrupt");
    this.runs.delete(record.run_id);
    if (record.thread_id === undefined) await this.deps.saver.deleteThread(record.graphThreadId);
  }

  /** Forgets the runs of a deleted thread. */
  forgetThread(threadId: string): void {
    for (const [id, r] of this.runs) if (r.thread_id === threadId) this.runs.delete(id);
    this.tails.delete(threadId);
    this.latest.delete(threadId);
  }

  /** Stops accepting runs and stops the running ones; resolves when they have stopped. */
  async close(): Promise<void> {
    this.shutdown.abort();
    const legs = [...this.runs.values()].map((r) => r.leg);
    await Promise.allSettled(legs);
    for (const r of this.runs.values()) r.events.wake();
    await this.deps.webhooks.drain();
  }

  private assertOpen(): void {
    if (this.closed) throw new ACPHttpError(503, "the server is shutting down");
  }

  /** Starts (or restarts, after a resume) the background execution of a run. */
  private start(record: RunRecord, agent: RegisteredAgent, input: unknown): void {
    const threadId = record.thread_id;
    const previous = threadId !== undefined ? this.tails.get(threadId) : undefined;
    if (threadId !== undefined) this.busy.set(threadId, record.run_id);
    const controller = new AbortController();
    record.controller = controller;
    record.cancelling = undefined;
    this.setStatus(record, "pending", undefined);
    record.leg = this.execute(record, agent, input, controller, previous);
    if (threadId !== undefined) this.tails.set(threadId, record.leg);
  }

  private async execute(
    record: RunRecord,
    agent: RegisteredAgent,
    input: unknown,
    controller: AbortController,
    previous: Promise<void> | undefined,
  ): Promise<void> {
    const stopped = AbortSignal.any([controller.signal, this.shutdown.signal]);
    let timeout: AbortSignal | undefined;
    const stopReason = (): StopReason | undefined =>
      record.cancelling
        ? "cancel"
        : this.shutdown.signal.aborted
          ? "shutdown"
          : timeout?.aborted
            ? "timeout"
            : undefined;
    try {
      await Promise.race([previous, aborted(stopped)]);
      await delay((record.creation.after_seconds ?? 0) * 1000, stopped);
      if (record.thread_id !== undefined && record.baseline === undefined) {
        const tuple = await this.deps.saver.getTuple({
          configurable: { thread_id: record.thread_id, checkpoint_ns: "" },
        });
        record.baseline = tuple?.checkpoint.id ?? "";
      }
      if (this.deps.runTimeoutMs !== undefined) {
        timeout = AbortSignal.timeout(this.deps.runTimeoutMs);
      }
      const signal = timeout ? AbortSignal.any([stopped, timeout]) : stopped;
      const outcome = signal.aborted
        ? failedOutcome(record.run_id, undefined, stopReason())
        : await executeLeg(record, agent, input, signal, stopReason);
      await this.finish(record, outcome.status, outcome.output);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.finish(record, "error", {
        type: "error",
        run_id: record.run_id,
        errcode: 500,
        description: message,
      });
    }
  }

  private async finish(
    record: RunRecord,
    status: Exclude<RunRecord["status"], "pending">,
    output: NonNullable<RunRecord["output"]>,
  ): Promise<void> {
    const threadId = record.thread_id;
    if (threadId !== undefined) {
      if (this.busy.get(threadId) === record.run_id) this.busy.delete(threadId);
      const thread = await this.deps.threads.get(threadId).catch(() => undefined);
      if (thread) {
        const threadStatus =
          output.type === "interrupt" ? "interrupted" : status === "success" ? "idle" : "error";
        await this.deps.threads
          .put({ ...thread, status: record.cancelling ? "idle" : threadStatus, updated_at: now() })
          .catch(() => undefined);
      }
    } else if (output.type !== "interrupt" && record.creation.on_completion !== "keep") {
      await this.deps.saver.deleteThread(record.graphThreadId).catch(() => undefined);
    }
    this.setStatus(record, status, output);
    this.forgetOldRuns();
  }

  /** Keeps memory bounded: forgets the oldest finished runs beyond `maxRetainedRuns`. */
  private forgetOldRuns(): void {
    let excess = this.runs.size - this.deps.maxRetainedRuns;
    for (const [id, r] of this.runs) {
      if (excess <= 0) return;
      if (r.status === "pending" || r.output?.type === "interrupt") continue;
      this.runs.delete(id);
      excess -= 1;
    }
  }

  private setStatus(
    record: RunRecord,
    status: RunRecord["status"],
    output: RunRecord["output"],
  ): void {
    record.status = status;
    record.output = output;
    record.updated_at = now();
    record.events.wake();
    const agent = this.deps.agents.find(record.agent_id);
    if (record.creation.webhook && agent?.descriptor.specs.capabilities.callbacks === true) {
      this.deps.webhooks.notify(record.run_id, record.creation.webhook, toWireRun(record));
    }
  }

  private async rollback(record: RunRecord): Promise<void> {
    this.runs.delete(record.run_id);
    if (record.thread_id === undefined) {
      await this.deps.saver.deleteThread(record.graphThreadId);
      return;
    }
    const baseline = record.baseline ?? "";
    await this.deps.threads.prune(record.thread_id, (t) => t.checkpoint.id <= baseline);
    const thread = await this.deps.threads.get(record.thread_id);
    if (thread) await this.deps.threads.put({ ...thread, status: "idle", updated_at: now() });
  }
}

const now = () => new Date().toISOString();

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Resolves after `ms`, or earlier when `signal` aborts. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
