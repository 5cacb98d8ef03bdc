import { randomUUID } from "node:crypto";
import { type BaseCheckpointSaver, Command } from "@langchain/langgraph";
import { sleep } from "../../core/sleep.js";
import type {
  ResumePayloadSchema,
  RunCreateStateful,
  RunCreateStateless,
  RunSearchRequest,
} from "../../models/index.js";
import type { CancelAction } from "../../operations.js";
import type { AgentRegistry, RegisteredAgent } from "../agents.js";
import { ACPHttpError, conflict, notFound, unprocessable } from "../http/http-error.js";
import { matchesAll } from "./match.js";
import { executeLeg, failedOutcome, type StopReason } from "./run-leg.js";
import { byCreation, newRunRecord, type RunRecord, toWireRun } from "./run-record.js";
import { fromStoredRun, type RunQuery, type RunStore } from "./run-store.js";
import { validateRunCreate } from "./run-validation.js";
import { newThreadRecord, type ThreadRecord, type ThreadStore } from "./thread-store.js";
import type { WebhookNotifier } from "./webhooks.js";

/** What the run manager needs from the server. */
export interface RunManagerDeps {
  agents: AgentRegistry;
  saver: BaseCheckpointSaver;
  threads: ThreadStore;
  /** Where every run is stored; the runs in memory are a cache of it. */
  store: RunStore;
  webhooks: WebhookNotifier;
  runTimeoutMs?: number;
  maxRetainedRuns: number;
}

/** The run ids this server hands out; nothing else is looked up in storage. */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a run that was pending when its server stopped without closing ends with. */
const STOPPED_DESCRIPTION = "the server stopped while the run was executing";

/**
 * Every run of the server: creates them, executes them in the background, resumes,
 * cancels and deletes them, and tracks which thread each one keeps busy. Every run is
 * stored in the checkpointer on each status change, so none is lost to a restart or
 * to the memory bound; memory holds the executing runs and a cache of recent ones.
 */
export class RunManager {
  /** Every pending run, and other recent ones up to `maxRetainedRuns`. */
  private readonly runs = new Map<string, RunRecord>();
  /** Reads from storage under way, so that a run is only ever read into one record. */
  private readonly loading = new Map<string, Promise<RunRecord | undefined>>();
  /** The pending run of each busy thread. */
  private readonly busy = new Map<string, string>();
  /** The leg last started on each thread, which an enqueued run waits for. */
  private readonly tails = new Map<string, Promise<void>>();
  /**
   * The run last created on each thread: the only one whose interrupt can still be
   * resumed. The thread record keeps it too, for after a restart.
   */
  private readonly latest = new Map<string, string>();
  private readonly shutdown = new AbortController();

  constructor(private readonly deps: RunManagerDeps) {}

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.shutdown.signal.aborted;
  }

  /**
   * Ends the runs that were pending when an earlier server on the same checkpointer
   * stopped without closing (a crash): they are in error, errcode 503. Runs that were
   * waiting at an interrupt stay so, and can be resumed. Call once, before serving.
   */
  async recover(): Promise<void> {
    for (const stored of await this.deps.store.list({ status: "pending" })) {
      const record = fromStoredRun(stored);
      await this.finish(record, "error", {
        type: "error",
        run_id: record.run_id,
        errcode: 503,
        description: STOPPED_DESCRIPTION,
      });
    }
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
    this.latest.set(threadId, record.run_id);
    await this.putThread(thread, { agent_id: agent.agentId, updated_at: record.created_at });
    this.start(record, agent, body.input ?? null);
    return record;
  }

  /** Resumes an interrupted run with the payload its interrupt asked for. */
  async resume(record: RunRecord, body: ResumePayloadSchema): Promise<RunRecord> {
    const latest =
      record.thread_id !== undefined ? await this.latestRun(record.thread_id) : undefined;
    // Checked after the wait, so that two resumes of one run cannot both pass.
    this.assertOpen();
    if (record.deleted) throw notFound(`run ${record.run_id} not found`);
    if (record.status !== "interrupted" || record.output?.type !== "interrupt") {
      throw conflict(`run ${record.run_id} is ${record.status}, not waiting at an interrupt`);
    }
    if (record.thread_id !== undefined) {
      const activeId = this.busy.get(record.thread_id);
      if (activeId !== undefined) {
        throw conflict(`thread ${record.thread_id} is busy with run ${activeId}`);
      }
      if (latest !== record.run_id) {
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

  /** The stateless run with this id, from memory or storage, or a 404. */
  async getStateless(runId: string): Promise<RunRecord> {
    const record = await this.find(runId);
    if (!record || record.thread_id !== undefined) throw notFound(`run ${runId} not found`);
    return record;
  }

  /** The run `runId` of thread `threadId`, from memory or storage, or a 404. */
  async getThreadRun(threadId: string, runId: string): Promise<RunRecord> {
    const record = await this.find(runId);
    if (!record || record.thread_id !== threadId) {
      throw notFound(`run ${runId} not found on thread ${threadId}`);
    }
    return record;
  }

  /** Stateless runs matching a search, oldest first. */
  async search(query: RunSearchRequest): Promise<RunRecord[]> {
    const matches = await this.query(
      {
        threadId: null,
        ...(query.agent_id !== undefined ? { agentId: query.agent_id } : {}),
        ...(query.status !== undefined ? { status: query.status } : {}),
      },
      (r) => matchesAll(r.creation.metadata, query.metadata),
    );
    const offset = query.offset ?? 0;
    return matches.slice(offset, offset + (query.limit ?? 10));
  }

  /** The runs of a thread, oldest first. */
  async listThreadRuns(threadId: string, limit: number, offset: number): Promise<RunRecord[]> {
    const runs = await this.query({ threadId }, () => true);
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
    await this.forget(record);
    if (record.thread_id === undefined) await this.deps.saver.deleteThread(record.graphThreadId);
  }

  /** Forgets the runs of a deleted thread, in memory and in storage. */
  async forgetThread(threadId: string): Promise<void> {
    for (const r of this.runs.values()) if (r.thread_id === threadId) await this.forget(r);
    this.tails.delete(threadId);
    this.latest.delete(threadId);
    for (const stored of await this.deps.store.list({ threadId })) {
      await this.deps.store.remove(stored.run_id);
    }
  }

  /**
   * Stops accepting runs and stops the running ones (they end `interrupted`, errcode
   * 503); resolves when they have stopped and their records are stored.
   */
  async close(): Promise<void> {
    this.shutdown.abort();
    const legs = [...this.runs.values()].map((r) => r.leg);
    await Promise.allSettled(legs);
    for (const r of this.runs.values()) r.events.wake();
    await this.deps.webhooks.drain();
    await this.deps.store.flush();
  }

  private assertOpen(): void {
    if (this.closed) throw new ACPHttpError(503, "the server is shutting down");
  }

  /** The run with this id: the one in memory, or the stored one read into memory. */
  private find(runId: string): Promise<RunRecord | undefined> {
    const cached = this.runs.get(runId);
    if (cached) return Promise.resolve(cached);
    if (!RUN_ID.test(runId)) return Promise.resolve(undefined);
    let loading = this.loading.get(runId);
    if (!loading) {
      loading = this.load(runId).finally(() => this.loading.delete(runId));
      this.loading.set(runId, loading);
    }
    return loading;
  }

  private async load(runId: string): Promise<RunRecord | undefined> {
    const stored = await this.deps.store.get(runId);
    if (!stored) return undefined;
    const cached = this.runs.get(runId);
    if (cached) return cached;
    const record = fromStoredRun(stored);
    this.runs.set(runId, record);
    this.forgetOldRuns();
    return record;
  }

  /**
   * Runs from storage and memory matching `query` and `keep`, oldest first. A run in
   * memory is the live one, and may have changed since it was last stored.
   */
  private async query(query: RunQuery, keep: (r: RunRecord) => boolean): Promise<RunRecord[]> {
    const byId = new Map<string, RunRecord>();
    for (const stored of await this.deps.store.list(query)) {
      byId.set(stored.run_id, fromStoredRun(stored));
    }
    for (const r of this.runs.values()) byId.set(r.run_id, r);
    const matches = (r: RunRecord) =>
      (query.threadId === undefined || (r.thread_id ?? null) === query.threadId) &&
      (query.agentId === undefined || r.agent_id === query.agentId) &&
      (query.status === undefined || r.status === query.status) &&
      keep(r);
    return [...byId.values()].filter(matches).sort(byCreation);
  }

  /** Removes a run from memory and storage; nothing stores it again. */
  private async forget(record: RunRecord): Promise<void> {
    record.deleted = true;
    this.runs.delete(record.run_id);
    await this.deps.store.remove(record.run_id);
  }

  /** The run last created on a thread, also when this server did not create it. */
  private async latestRun(threadId: string): Promise<string | undefined> {
    return this.latest.get(threadId) ?? (await this.deps.threads.get(threadId))?.last_run_id;
  }

  /** Writes a thread's record with `changes`, keeping the run last created on it. */
  private async putThread(thread: ThreadRecord, changes: Partial<ThreadRecord>): Promise<void> {
    const latest = this.latest.get(thread.thread_id);
    await this.deps.threads.put({
      ...thread,
      ...changes,
      ...(latest !== undefined ? { last_run_id: latest } : {}),
    });
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
      const after = (record.creation.after_seconds ?? 0) * 1000;
      // A stop during the wait is seen by the checks that follow, so it ends the wait quietly.
      if (after > 0) await sleep(after, stopped).catch(() => undefined);
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
        await this.putThread(thread, {
          status: record.cancelling ? "idle" : threadStatus,
          updated_at: now(),
        }).catch(() => undefined);
      }
    } else if (output.type !== "interrupt" && record.creation.on_completion !== "keep") {
      await this.deps.saver.deleteThread(record.graphThreadId).catch(() => undefined);
    }
    this.setStatus(record, status, output);
    this.forgetOldRuns();
  }

  /**
   * Keeps memory bounded: drops the oldest runs beyond `maxRetainedRuns` that are
   * neither executing nor being cancelled. They stay in storage, and are read back
   * when asked for.
   */
  private forgetOldRuns(): void {
    let excess = this.runs.size - this.deps.maxRetainedRuns;
    for (const [id, r] of this.runs) {
      if (excess <= 0) return;
      if (r.status === "pending" || (r.cancelling && r.output?.type === "interrupt")) continue;
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
    if (!record.deleted) {
      // The record whose status changed is the live one: it replaces any copy in memory.
      this.runs.set(record.run_id, record);
      this.deps.store.save(record);
    }
    const agent = this.deps.agents.find(record.agent_id);
    if (record.creation.webhook && agent?.descriptor.specs.capabilities.callbacks === true) {
      this.deps.webhooks.notify(record.run_id, record.creation.webhook, toWireRun(record));
    }
  }

  private async rollback(record: RunRecord): Promise<void> {
    await this.forget(record);
    if (record.thread_id === undefined) {
      await this.deps.saver.deleteThread(record.graphThreadId);
      return;
    }
    const baseline = record.baseline ?? "";
    await this.deps.threads.prune(record.thread_id, (t) => t.checkpoint.id <= baseline);
    const thread = await this.deps.threads.get(record.thread_id);
    if (thread) await this.putThread(thread, { status: "idle", updated_at: now() });
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
