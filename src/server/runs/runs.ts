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
import type { ACPServerLogger } from "../options.js";
import { StoreLimitError } from "../stores/errors.js";
import type { ServerStore, StoredRun } from "../stores/store.js";
import type { WebhookNotifier } from "../webhooks/notifier.js";
import { GraphState } from "./graph-state.js";
import { checkJsonLimits, type JsonLimits } from "./json-limits.js";
import type { RunErrorReporter } from "./run-errors.js";
import { RunEventLog } from "./run-events.js";
import { executeLeg, failedOutcome, type LegGraph, type StopReason } from "./run-leg.js";
import { type RunRecord, toStoredRun, toWireRun } from "./run-record.js";
import { validateRunCreate } from "./run-validation.js";
import { newThread } from "./threads.js";

/** What the run manager needs from the server. */
export interface RunManagerDeps {
  agents: AgentRegistry;
  saver: BaseCheckpointSaver;
  /** Where runs, their events and threads are stored; memory holds executing runs only. */
  store: ServerStore;
  webhooks: WebhookNotifier;
  logger: ACPServerLogger;
  limits: JsonLimits;
  /** What clients are told of a graph's errors, and what the log gets. */
  errors: RunErrorReporter;
  runTimeoutMs?: number;
  /** How many bytes of already stored events an executing run keeps in memory. */
  maxEventLogBytes: number;
  /** Finished runs older than this (ms since their last change) are deleted. Off when absent. */
  finishedRunTtlMs?: number;
}

/** The run ids this server hands out; nothing else is looked up in storage. */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a run that was pending when its server stopped without closing ends with. */
const STOPPED_DESCRIPTION = "the server stopped while the run was executing";

/** How many records one recovery or purge step reads. */
const BATCH = 100;

/**
 * Every run of the server: creates them, executes them in the background, resumes,
 * cancels and deletes them. Runs, their events and the claim a run holds on its thread
 * live in the store, written on each change; memory holds the runs executing here.
 */
export class RunManager {
  /** The runs executing (or being stopped) in this process. */
  private readonly live = new Map<string, RunRecord>();
  /** Reads from storage under way, so that concurrent requests share one. */
  private readonly loading = new Map<string, Promise<RunRecord | undefined>>();
  /** The leg last started on each thread, which an enqueued run waits for. */
  private readonly tails = new Map<string, Promise<void>>();
  /** The store writes of each run, in order: a later write never overtakes an earlier one. */
  private readonly writes = new Map<string, Promise<void>>();
  private readonly shutdown = new AbortController();
  private readonly graphState: GraphState;
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RunManagerDeps) {
    this.graphState = new GraphState(deps.saver);
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.shutdown.signal.aborted;
  }

  /**
   * Ends the runs that were pending when an earlier server on the same store stopped
   * without closing (a crash): they are in error, errcode 503, and free their threads.
   * Runs waiting at an interrupt stay so, and can be resumed. A record that cannot be
   * read or ended is logged and skipped: one bad record never stops a start. Call once,
   * before serving.
   */
  async recover(): Promise<void> {
    let skipped = 0;
    for (;;) {
      const pending = await this.deps.store.runs.search({
        status: "pending",
        limit: BATCH,
        offset: skipped,
      });
      if (pending.length === 0) break;
      for (const stored of pending) {
        try {
          await this.finish(this.fromStored(stored), "error", {
            type: "error",
            run_id: stored.run_id,
            errcode: 503,
            description: STOPPED_DESCRIPTION,
          });
        } catch (err) {
          skipped += 1;
          this.deps.logger.warn(`run ${stored.run_id} could not be recovered: ${messageOf(err)}`);
        }
      }
    }
    await this.releaseStaleClaims();
    this.schedulePurge();
  }

  /** Creates and starts a stateless run. */
  async createStateless(body: RunCreateStateless, streaming: boolean): Promise<RunRecord> {
    this.assertOpen();
    const agent = this.deps.agents.resolve(body.agent_id);
    const modes = validateRunCreate(agent, body, streaming, this.deps.limits);
    this.checkWebhook(agent, body.webhook);
    const runId = randomUUID();
    const record = this.newRecord({
      run_id: runId,
      agent_id: agent.agentId,
      creation: body,
      graphThreadId: runId,
      modes,
    });
    await this.insert(record);
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
    const modes = validateRunCreate(agent, body, streaming, this.deps.limits);
    this.checkWebhook(agent, body.webhook);
    const threads = this.deps.store.threads;
    let thread = await threads.get(threadId);
    if (!thread) {
      if (body.if_not_exists !== "create") throw notFound(`thread ${threadId} not found`);
      await threads.create(newThread(threadId));
      thread = await threads.get(threadId);
      if (!thread) throw notFound(`thread ${threadId} not found`);
    }
    const activeId = thread.busy_run_id;
    let over: string | undefined;
    if (activeId !== undefined) {
      const strategy = body.multitask_strategy ?? "reject";
      const active = this.live.get(activeId);
      if (strategy === "reject" || !active) {
        throw conflict(`thread ${threadId} is busy with run ${activeId}`);
      }
      if (strategy === "interrupt" || strategy === "rollback") {
        await this.cancel(active, true, strategy);
      }
      over = activeId;
    }
    const record = this.newRecord({
      run_id: randomUUID(),
      thread_id: threadId,
      agent_id: agent.agentId,
      creation: body,
      graphThreadId: threadId,
      modes,
    });
    const holder = await threads.claim(threadId, record.run_id, over);
    if (holder !== undefined) {
      throw conflict(`thread ${threadId} is busy with run ${holder || "another run"}`);
    }
    try {
      await this.insert(record);
    } catch (err) {
      await threads.release(threadId, record.run_id);
      throw err;
    }
    await threads.patch(threadId, {
      agent_id: agent.agentId,
      updated_at: record.created_at,
      last_run_id: record.run_id,
    });
    this.start(record, agent, body.input ?? null);
    return record;
  }

  /** Resumes an interrupted run with the payload its interrupt asked for. */
  async resume(record: RunRecord, body: ResumePayloadSchema): Promise<RunRecord> {
    const thread =
      record.thread_id !== undefined
        ? await this.deps.store.threads.get(record.thread_id)
        : undefined;
    // Checked after the wait, so that two resumes of one run cannot both pass.
    this.assertOpen();
    const live = this.live.get(record.run_id);
    if (record.deleted) throw notFound(`run ${record.run_id} not found`);
    if (
      (live !== undefined && live !== record) ||
      record.status !== "interrupted" ||
      record.output?.type !== "interrupt"
    ) {
      throw conflict(
        `run ${record.run_id} is ${live?.status ?? record.status}, not waiting at an interrupt`,
      );
    }
    checkJsonLimits({ body }, this.deps.limits);
    const agent = this.deps.agents.get(record.agent_id);
    agent.resume.assert(body, "body");
    if (record.thread_id !== undefined) {
      if (thread?.last_run_id !== record.run_id) {
        throw conflict(
          `run ${record.run_id} can no longer be resumed: a later run has changed thread ${record.thread_id}`,
        );
      }
      const holder = await this.deps.store.threads.claim(record.thread_id, record.run_id);
      if (holder !== undefined) {
        throw conflict(`thread ${record.thread_id} is busy with run ${holder || "another run"}`);
      }
    }
    this.start(record, agent, new Command({ resume: body }));
    return record;
  }

  /** The stateless run with this id, or a 404. */
  async getStateless(runId: string): Promise<RunRecord> {
    const record = await this.find(runId);
    if (!record || record.thread_id !== undefined) throw notFound(`run ${runId} not found`);
    return record;
  }

  /** The run `runId` of thread `threadId`, or a 404. */
  async getThreadRun(threadId: string, runId: string): Promise<RunRecord> {
    const record = await this.find(runId);
    if (!record || record.thread_id !== threadId) {
      throw notFound(`run ${runId} not found on thread ${threadId}`);
    }
    return record;
  }

  /** Stateless runs matching a search, oldest first. */
  async search(query: RunSearchRequest): Promise<StoredRun[]> {
    const found = await this.deps.store.runs.search({
      threadId: null,
      ...(query.agent_id !== undefined ? { agentId: query.agent_id } : {}),
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...(query.metadata !== undefined ? { metadata: query.metadata } : {}),
      limit: query.limit ?? 10,
      offset: query.offset ?? 0,
    });
    return found.map((run) => this.live.get(run.run_id) ?? run);
  }

  /** The runs of a thread, oldest first. */
  async listThreadRuns(threadId: string, limit: number, offset: number): Promise<StoredRun[]> {
    const found = await this.deps.store.runs.search({ threadId, limit, offset });
    return found.map((run) => this.live.get(run.run_id) ?? run);
  }

  /** Resolves when the run is no longer pending, or when `signal` aborts. */
  async wait(record: RunRecord, signal: AbortSignal): Promise<void> {
    while (record.status === "pending" && !signal.aborted) await record.events.changed(signal);
  }

  /**
   * Cancels a run. `interrupt` stops it; `rollback` also deletes it and the checkpoints
   * it wrote, and is refused (422) when a later run or change on the thread built on
   * them. With `wait`, resolves once it has stopped (and been rolled back).
   */
  async cancel(record: RunRecord, wait: boolean, action: CancelAction): Promise<void> {
    if (action === "rollback") await this.assertRollback(record);
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
    else done.catch((err) => this.deps.logger.warn(`run ${record.run_id}: ${messageOf(err)}`));
  }

  /** Deletes a run, stopping it first when it is pending. */
  async delete(record: RunRecord): Promise<void> {
    if (record.status === "pending") await this.cancel(record, true, "interrupt");
    await this.forget(record);
    if (record.thread_id === undefined) await this.deps.saver.deleteThread(record.graphThreadId);
  }

  /** Forgets the runs of a deleted thread. */
  async forgetThread(threadId: string): Promise<void> {
    for (const r of this.live.values()) if (r.thread_id === threadId) r.deleted = true;
    this.tails.delete(threadId);
    await this.deps.store.runs.deleteThreadRuns(threadId);
  }

  /**
   * Stops accepting runs and stops the running ones (they end `interrupted`, errcode
   * 503); resolves when they have stopped and their records are stored.
   */
  async close(): Promise<void> {
    this.shutdown.abort();
    // Each run's own controller, not a signal combined with the server's: on Node 20 a
    // long-lived signal keeps every signal ever combined with it.
    for (const r of this.live.values()) r.controller?.abort();
    clearTimeout(this.purgeTimer);
    const stopping = [...this.live.values()];
    await Promise.allSettled(stopping.map((r) => r.leg));
    for (const r of stopping) r.events.wake();
    await this.deps.webhooks.drain();
    await Promise.allSettled([...this.writes.values()]);
  }

  /** A webhook the agent would call must be one the server's webhook policy allows. */
  private checkWebhook(agent: RegisteredAgent, webhook: string | undefined): void {
    if (webhook === undefined || agent.descriptor.specs.capabilities.callbacks !== true) return;
    const refusal = this.deps.webhooks.refusal(webhook);
    if (refusal) throw unprocessable(`webhook refused by the server's webhook policy: ${refusal}`);
  }

  private assertOpen(): void {
    if (this.closed) throw new ACPHttpError(503, "the server is shutting down");
  }

  private newRecord(
    init: Pick<
      RunRecord,
      "run_id" | "thread_id" | "agent_id" | "creation" | "graphThreadId" | "modes"
    >,
  ): RunRecord {
    const at = now();
    return {
      ...init,
      created_at: at,
      updated_at: at,
      status: "pending",
      eventCount: 0,
      events: this.eventLog(init.run_id, 0),
    };
  }

  private fromStored(stored: StoredRun): RunRecord {
    return { ...stored, events: this.eventLog(stored.run_id, stored.eventCount) };
  }

  private eventLog(runId: string, last: number): RunEventLog {
    const runs = this.deps.store.runs;
    return new RunEventLog(
      last,
      (afterId, limit) => runs.readEvents(runId, afterId, limit),
      this.deps.maxEventLogBytes,
    );
  }

  /** The run with this id: the one executing here, or the stored one. */
  private find(runId: string): Promise<RunRecord | undefined> {
    const live = this.live.get(runId);
    if (live) return Promise.resolve(live);
    if (!RUN_ID.test(runId)) return Promise.resolve(undefined);
    let loading = this.loading.get(runId);
    if (!loading) {
      loading = this.load(runId).finally(() => this.loading.delete(runId));
      this.loading.set(runId, loading);
    }
    return loading;
  }

  private async load(runId: string): Promise<RunRecord | undefined> {
    await this.writes.get(runId);
    const stored = await this.deps.store.runs.get(runId);
    if (!stored) return undefined;
    return this.live.get(runId) ?? this.fromStored(stored);
  }

  /** Stores a new run; a store that is full answers 503. */
  private async insert(record: RunRecord): Promise<void> {
    try {
      await this.queue(record.run_id, () => this.deps.store.runs.insert(toStoredRun(record)));
    } catch (err) {
      if (err instanceof StoreLimitError) throw new ACPHttpError(503, err.message);
      throw err;
    }
  }

  /** Writes the run's new events and then the run as it is now, after earlier writes. */
  private save(record: RunRecord): Promise<void> {
    const write = this.queue(record.run_id, async () => {
      if (record.deleted) return;
      const runs = this.deps.store.runs;
      const events = record.events.unsaved();
      if (events.length > 0) await runs.appendEvents(record.run_id, events);
      await runs.update(toStoredRun(record));
      record.events.trim();
    });
    return write.catch((err) =>
      this.deps.logger.warn(`run ${record.run_id} could not be stored: ${messageOf(err)}`),
    );
  }

  /** Runs `job` after the writes queued for the run before it. */
  private queue(runId: string, job: () => Promise<void>): Promise<void> {
    const next = (this.writes.get(runId) ?? Promise.resolve()).then(job);
    const settled = next.catch(() => undefined);
    this.writes.set(runId, settled);
    void settled.then(() => {
      if (this.writes.get(runId) === settled) this.writes.delete(runId);
    });
    return next;
  }

  /** Removes a run from memory and storage; nothing stores it again. */
  private async forget(record: RunRecord): Promise<void> {
    record.deleted = true;
    if (this.live.get(record.run_id) === record) this.live.delete(record.run_id);
    await this.queue(record.run_id, async () => {
      await this.deps.store.runs.delete(record.run_id);
    });
  }

  /** Starts (or restarts, after a resume) the background execution of a run. */
  private start(record: RunRecord, agent: RegisteredAgent, input: unknown): void {
    const threadId = record.thread_id;
    const previous = threadId !== undefined ? this.tails.get(threadId) : undefined;
    const controller = new AbortController();
    record.controller = controller;
    record.cancelling = undefined;
    record.events.onAppend = () => this.saveEventsSoon(record);
    this.live.set(record.run_id, record);
    void this.setStatus(record, "pending", undefined);
    record.leg = this.execute(record, agent, input, controller, previous).finally(() => {
      if (this.live.get(record.run_id) === record && record.status !== "pending") {
        this.live.delete(record.run_id);
      }
    });
    if (threadId !== undefined) this.tails.set(threadId, record.leg);
  }

  /** Stores the events appended in this turn of the event loop, in one write. */
  private saveEventsSoon(record: RunRecord): void {
    if (record.eventsQueued) return;
    record.eventsQueued = true;
    queueMicrotask(() => {
      record.eventsQueued = false;
      const events = record.events.unsaved();
      if (events.length === 0 || record.deleted) return;
      this.queue(record.run_id, async () => {
        await this.deps.store.runs.appendEvents(record.run_id, events);
        record.events.trim();
      }).catch((err) =>
        this.deps.logger.warn(
          `events of run ${record.run_id} could not be stored: ${messageOf(err)}`,
        ),
      );
    });
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
        record.baseline = (await this.graphState.head(record.thread_id)) ?? "";
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
      await this.finish(record, outcome.status, outcome.output);
    } catch (err) {
      await this.finish(record, "error", {
        type: "error",
        run_id: record.run_id,
        errcode: 500,
        description: this.deps.errors.describe(record.run_id, err),
      });
    }
  }

  /**
   * The graph a run executes on. A stateless run of an agent that declares no
   * interrupts, whose thread is deleted at completion anyway, needs no checkpoints:
   * it runs without a checkpointer, so it does not pay for writing them.
   */
  private graphFor(record: RunRecord, agent: RegisteredAgent): LegGraph {
    const stateless = record.thread_id === undefined && record.creation.on_completion !== "keep";
    return stateless && !agent.interrupts
      ? { graph: agent.uncheckpointed, checkpointed: false }
      : { graph: agent.graph, checkpointed: true };
  }

  private async finish(
    record: RunRecord,
    status: Exclude<RunRecord["status"], "pending">,
    output: NonNullable<RunRecord["output"]>,
  ): Promise<void> {
    const threadId = record.thread_id;
    if (threadId === undefined && output.type !== "interrupt") {
      if (record.creation.on_completion !== "keep") {
        await this.deps.saver.deleteThread(record.graphThreadId).catch(() => undefined);
      }
    } else if (threadId !== undefined) {
      record.head = (await this.graphState.head(threadId).catch(() => undefined)) ?? "";
    }
    await this.setStatus(record, status, output);
    if (threadId !== undefined) {
      const threadStatus =
        output.type === "interrupt" ? "interrupted" : status === "success" ? "idle" : "error";
      const threads = this.deps.store.threads;
      await threads.patch(threadId, {
        status: record.cancelling ? "idle" : threadStatus,
        updated_at: now(),
      });
      await threads.release(threadId, record.run_id);
    }
  }

  private async setStatus(
    record: RunRecord,
    status: RunRecord["status"],
    output: RunRecord["output"],
  ): Promise<void> {
    record.status = status;
    record.output = output;
    record.updated_at = now();
    record.events.wake();
    const agent = this.deps.agents.find(record.agent_id);
    if (record.creation.webhook && agent?.descriptor.specs.capabilities.callbacks === true) {
      this.deps.webhooks.notify(record.run_id, record.creation.webhook, toWireRun(record));
    }
    if (!record.deleted) await this.save(record);
  }

  /** Refuses (422) to roll back a run that a later run or change on its thread built on. */
  private async assertRollback(record: RunRecord): Promise<void> {
    const threadId = record.thread_id;
    if (threadId === undefined) return;
    const thread = await this.deps.store.threads.get(threadId);
    if (thread?.last_run_id !== undefined && thread.last_run_id !== record.run_id) {
      throw unprocessable(
        `run ${record.run_id} cannot be rolled back: run ${thread.last_run_id} was created on thread ${threadId} after it`,
      );
    }
    if (record.status !== "pending" && record.head !== undefined) {
      const head = (await this.graphState.head(threadId)) ?? "";
      if (head !== record.head) {
        throw unprocessable(
          `run ${record.run_id} cannot be rolled back: thread ${threadId} changed after it`,
        );
      }
    }
  }

  /** Deletes the run and the checkpoints it wrote (those after its baseline). */
  private async rollback(record: RunRecord): Promise<void> {
    await this.forget(record);
    if (record.thread_id === undefined) {
      await this.deps.saver.deleteThread(record.graphThreadId);
      return;
    }
    const baseline = record.baseline ?? "";
    await this.graphState.prune(record.thread_id, (t) => t.checkpoint.id <= baseline);
    await this.deps.store.threads.patch(record.thread_id, { status: "idle", updated_at: now() });
  }

  /**
   * Frees threads still claimed by runs that are not executing: after a crash, the
   * claims of the runs it stopped. Called at start, when nothing executes yet.
   */
  private async releaseStaleClaims(): Promise<void> {
    let kept = 0;
    for (;;) {
      const busy = await this.deps.store.threads.search({
        status: "busy",
        limit: BATCH,
        offset: kept,
      });
      if (busy.length === 0) return;
      for (const thread of busy) {
        const holder = thread.busy_run_id;
        if (holder === undefined || this.live.has(holder)) kept += 1;
        else if (!(await this.deps.store.threads.release(thread.thread_id, holder))) kept += 1;
      }
    }
  }

  /** Deletes finished runs past `finishedRunTtlMs`, in the background, from time to time. */
  private schedulePurge(): void {
    const ttl = this.deps.finishedRunTtlMs;
    if (ttl === undefined || this.closed) return;
    this.purgeTimer = setTimeout(
      () => {
        this.purge(ttl)
          .catch((err) =>
            this.deps.logger.warn(`finished runs could not be purged: ${messageOf(err)}`),
          )
          .finally(() => this.schedulePurge());
      },
      Math.min(Math.max(ttl / 10, 1000), 60_000),
    );
    this.purgeTimer.unref();
  }

  private async purge(ttl: number): Promise<void> {
    const before = new Date(Date.now() - ttl).toISOString();
    for (;;) {
      const purged = await this.deps.store.runs.purgeFinished(before, BATCH);
      // A stateless run's graph thread is its own: one kept with on_completion "keep" goes too.
      for (const run of purged) {
        if (run.thread_id === undefined) {
          await this.deps.saver.deleteThread(run.run_id).catch(() => undefined);
        }
      }
      if (purged.length < BATCH || this.closed) return;
    }
  }
}

const now = () => new Date().toISOString();

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
