import { randomUUID } from "node:crypto";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { isUuid } from "../../core/json-guards.js";
import { messageOf } from "../../core/message-of.js";
import type {
  ResumePayloadSchema,
  RunCreateStateful,
  RunCreateStateless,
  RunSearchRequest,
} from "../../models/index.js";
import type { CancelAction } from "../../operations.js";
import type { AgentRegistry, RegisteredAgent } from "../agents.js";
import {
  InvalidRequestError,
  RunNotFoundError,
  RunStateConflictError,
  ServerClosingError,
  ThreadBusyError,
} from "../errors.js";
import { checkJsonLimits, type JsonLimits } from "../json-limits.js";
import type { ACPServerLogger } from "../options.js";
import type { ServerStore, StoredRun } from "../stores/store.js";
import type { WebhookNotifier } from "../webhooks/notifier.js";
import { GraphState } from "./graph-state.js";
import { resumeValueOf } from "./interrupts.js";
import type { RunErrorReporter } from "./run-errors.js";
import { RunExecutions } from "./run-execution.js";
import { controllerOf, legOf, stopLeg, transition } from "./run-phase.js";
import { now, type RunRecord, RunRecords } from "./run-record.js";
import {
  createScheduler,
  type MultitaskStrategy,
  type RunScheduler,
  writeTarget,
} from "./run-scheduler.js";
import { RunUpkeep } from "./run-upkeep.js";
import { validateRunCreate } from "./run-validation.js";
import { RunWrites } from "./run-writes.js";
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
  /**
   * How long a run's end is written again while the store is unavailable (a database
   * restarting) before its waiters are told to wait again, in ms. Default 30 000.
   */
  storeRetryMs?: number;
}

/**
 * Every run of the server: creates them, executes them in the background, resumes,
 * cancels and deletes them. Runs, their events and the claim a run holds on its thread
 * live in the store, written on each change; memory holds the runs executing here.
 *
 * Where and when a run executes is its scheduler's (`RunScheduler`): here, on a store
 * one process owns; on a store shared by replicas (`store.replicas`), in whichever
 * replica claims it from the store's queue, followed from the others.
 */
export class RunManager {
  /** Reads from storage under way, so that concurrent requests share one. */
  private readonly loading = new Map<string, Promise<RunRecord | undefined>>();
  private readonly shutdown = new AbortController();
  private readonly graphState: GraphState;
  private readonly records: RunRecords;
  private readonly writes: RunWrites;
  private readonly executions: RunExecutions;
  private readonly scheduler: RunScheduler;
  private readonly upkeep: RunUpkeep;

  constructor(private readonly deps: RunManagerDeps) {
    const { store, logger } = deps;
    // The graphs' checkpoints are the store's own: a replicated store then names a thread
    // run's baseline and head in the statements that store the run and its end.
    const storeCheckpoints = deps.saver === store.checkpointer;
    this.graphState = new GraphState(deps.saver);
    this.records = new RunRecords(store.runs, deps.maxEventLogBytes);
    this.writes = new RunWrites(store.runs, writeTarget(store), logger, deps.storeRetryMs);
    this.executions = new RunExecutions({
      agents: deps.agents,
      saver: deps.saver,
      graphState: this.graphState,
      threads: store.threads,
      webhooks: deps.webhooks,
      errors: deps.errors,
      runTimeoutMs: deps.runTimeoutMs,
      writes: this.writes,
      shutdown: this.shutdown.signal,
      logger,
      // A run this process stopped executing that goes on elsewhere is followed there.
      relinquished: (record) => this.scheduler.follow(record),
      storeNamesHead: store.replicas !== undefined && storeCheckpoints,
    });
    this.scheduler = createScheduler({
      store,
      agents: deps.agents,
      logger,
      graphState: this.graphState,
      writes: this.writes,
      executions: this.executions,
      records: this.records,
      recover: () => this.upkeep.recoverPending(),
      makeWay: (threadId, activeId, strategy) => this.makeWay(threadId, activeId, strategy),
      find: (runId) => this.find(runId),
      storeCheckpoints,
    });
    this.upkeep = new RunUpkeep({
      store,
      saver: deps.saver,
      logger,
      executions: this.executions,
      records: this.records,
      finishedRunTtlMs: deps.finishedRunTtlMs,
      shutdown: this.shutdown.signal,
    });
  }

  /** The runs executing (or being stopped) in this process. */
  private get live(): Map<string, RunRecord> {
    return this.executions.live;
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
   *
   * On a store shared by replicas, pending runs belong to the replicas executing them:
   * this one joins them instead, and takes over the runs of replicas that died.
   */
  async recover(): Promise<void> {
    await this.scheduler.start();
    this.upkeep.schedulePurge();
  }

  /** Creates and starts a stateless run. */
  async createStateless(body: RunCreateStateless, streaming: boolean): Promise<RunRecord> {
    this.assertOpen();
    const agent = this.deps.agents.resolve(body.agent_id);
    const modes = validateRunCreate(agent, body, streaming, this.deps.limits);
    this.checkWebhook(agent, body.webhook);
    const runId = randomUUID();
    const record = this.records.create({
      run_id: runId,
      agent_id: agent.agentId,
      creation: body,
      graphThreadId: runId,
      modes,
    });
    await this.scheduler.enqueue(record);
    return this.scheduler.launch(record, agent);
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
      throw new InvalidRequestError(
        `agent ${agent.agentId} does not support threads (specs.capabilities.threads is not true)`,
        "agent_id",
      );
    }
    const modes = validateRunCreate(agent, body, streaming, this.deps.limits);
    this.checkWebhook(agent, body.webhook);
    const strategy = body.multitask_strategy ?? "reject";
    const record = this.records.create({
      run_id: randomUUID(),
      thread_id: threadId,
      agent_id: agent.agentId,
      creation: body,
      graphThreadId: threadId,
      modes,
    });
    if (body.if_not_exists === "create") {
      // Created here, or there already (created before, or by another request meanwhile).
      await this.deps.store.threads.create(newThread(threadId));
    }
    // Stored with its thread claimed, the run its latest (agent, last run, update time).
    // The thread is not read first: the write says who holds it, or that it is missing.
    await this.scheduler.enqueueOnThread(record, strategy);
    return this.scheduler.launch(record, agent);
  }

  /**
   * Resumes an interrupted run with the payload its interrupt asked for, or with
   * answers to several of its interrupts by id (see `resumeValueOf`).
   */
  async resume(record: RunRecord, body: ResumePayloadSchema): Promise<RunRecord> {
    // It may have stopped at its interrupt in another replica a moment ago.
    await this.scheduler.settle(record);
    const thread =
      record.thread_id !== undefined
        ? await this.deps.store.threads.get(record.thread_id)
        : undefined;
    // Checked after the wait, so that two resumes of one run cannot both pass.
    this.assertOpen();
    const live = this.live.get(record.run_id);
    if (record.phase.kind === "deleted") {
      throw new RunNotFoundError(record.run_id, record.thread_id);
    }
    if (
      (live !== undefined && live !== record) ||
      record.status !== "interrupted" ||
      record.output?.type !== "interrupt"
    ) {
      throw new RunStateConflictError(
        record.run_id,
        `run ${record.run_id} is ${live?.status ?? record.status}, not waiting at an interrupt`,
      );
    }
    checkJsonLimits({ body }, this.deps.limits);
    const agent = this.deps.agents.get(record.agent_id);
    const resume = resumeValueOf(agent, record.run_id, record.output, body);
    if (record.thread_id !== undefined) {
      if (thread?.last_run_id !== record.run_id) {
        throw new RunStateConflictError(
          record.run_id,
          `run ${record.run_id} can no longer be resumed: a later run has changed thread ${record.thread_id}`,
        );
      }
      const holder = await this.deps.store.threads.claim(record.thread_id, record.run_id);
      if (holder !== undefined) throw new ThreadBusyError(record.thread_id, holder);
    }
    return this.scheduler.resume(record, agent, resume);
  }

  /** The stateless run with this id, or a `RunNotFoundError`. */
  async getStateless(runId: string): Promise<RunRecord> {
    const record = await this.find(runId);
    if (!record || record.thread_id !== undefined) throw new RunNotFoundError(runId);
    return record;
  }

  /** The run `runId` of thread `threadId`, or a `RunNotFoundError`. */
  async getThreadRun(threadId: string, runId: string): Promise<RunRecord> {
    const record = await this.find(runId);
    if (!record || record.thread_id !== threadId) {
      throw new RunNotFoundError(runId, threadId);
    }
    return record;
  }

  /** Stateless runs matching a search, oldest first. */
  async search(query: RunSearchRequest): Promise<StoredRun[]> {
    // Matching walks the filter as deep as it goes.
    checkJsonLimits({ metadata: query.metadata }, this.deps.limits);
    const found = await this.deps.store.runs.search({
      threadId: null,
      ...(query.agent_id !== undefined ? { agentId: query.agent_id } : {}),
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...(query.metadata !== undefined ? { metadata: query.metadata } : {}),
      limit: query.limit ?? 10,
      offset: query.offset ?? 0,
    });
    return found.map((run) => this.shown(run));
  }

  /** The runs of a thread, oldest first. */
  async listThreadRuns(threadId: string, limit: number, offset: number): Promise<StoredRun[]> {
    const found = await this.deps.store.runs.search({ threadId, limit, offset });
    return found.map((run) => this.shown(run));
  }

  /**
   * A stored run as a listing shows it: the record executing here, unless the store
   * holds its end already (written, and not yet shown by the record).
   */
  private shown(stored: StoredRun): StoredRun {
    const live = this.live.get(stored.run_id);
    if (!live || (live.status === "pending" && stored.status !== "pending")) return stored;
    return live;
  }

  /**
   * The record with every event stored for it so far: a run that executes in another
   * replica is read up to now first, so that "from now on" means now there too.
   */
  async caughtUp(record: RunRecord): Promise<RunRecord> {
    await this.scheduler.caughtUp(record);
    return record;
  }

  /** Resolves when the run is no longer pending, or when `signal` aborts. */
  async wait(record: RunRecord, signal: AbortSignal): Promise<void> {
    const over = () =>
      record.status !== "pending" ||
      record.phase.kind === "unstored" ||
      record.phase.kind === "handedOver";
    if (!over() && !signal.aborted) await record.events.until(over, signal);
    const phase = record.phase;
    // Its end could not be stored yet: the store is away, and the client asks again later.
    if (phase.kind === "unstored" && record.status === "pending") throw phase.error;
    if (phase.kind === "handedOver" && record.status === "pending") {
      throw new ServerClosingError(
        `this server is shutting down and run ${record.run_id} goes on in another replica: wait for it again`,
      );
    }
    // What a waiter reads is stored by then, so that any replica answers alike after it.
    const writing = this.writes.pending(record.run_id);
    if (writing) await writing;
    // A run executed here has also freed its thread by the time its execution ends: a
    // client that waited can start the thread's next run at once.
    if (!signal.aborted && record.status !== "pending") {
      const leg = legOf(record.phase);
      if (leg) await leg.catch(() => undefined);
    }
  }

  /**
   * Cancels a run. `interrupt` stops it; `rollback` also deletes it and the checkpoints
   * it wrote, and is refused (`RunStateConflictError`) when a later run or change on the thread built on
   * them. With `wait`, resolves once it has stopped (and been rolled back).
   */
  async cancel(record: RunRecord, wait: boolean, action: CancelAction): Promise<void> {
    if (action === "rollback") await this.assertRollback(record);
    if (await this.scheduler.cancelElsewhere(record, action)) {
      return this.settleCancel(record, wait, async () => {
        await this.wait(record, this.shutdown.signal);
        if (action === "rollback" && record.status !== "pending") await this.rollback(record);
      });
    }
    if (record.status === "pending") {
      stopLeg(record, action);
    } else if (record.output?.type === "interrupt") {
      // An interrupted run executes nothing, but it waits for a resume: cancelling
      // it ends that wait, so it can no longer be resumed.
      await this.executions.endCancelled(record);
    }
    return this.settleCancel(record, wait, async () => {
      await legOf(record.phase);
      if (action === "rollback") await this.rollback(record);
    });
  }

  /** Deletes a run, stopping it first when it is pending. */
  async delete(record: RunRecord): Promise<void> {
    if (record.status === "pending") await this.cancel(record, true, "interrupt");
    await this.forget(record);
    if (record.thread_id === undefined) await this.deps.saver.deleteThread(record.graphThreadId);
  }

  /** Forgets the runs of a deleted thread. */
  async forgetThread(threadId: string): Promise<void> {
    this.executions.forgetThread(threadId);
    this.scheduler.forgetThread(threadId);
    await this.deps.store.runs.deleteThreadRuns(threadId);
  }

  /**
   * Stops accepting runs and stops the running ones: they end in `error`, errcode 503;
   * with replicas, they are handed over to the other replicas instead. Resolves when
   * they have stopped and their records are stored.
   */
  async close(): Promise<void> {
    this.shutdown.abort();
    this.scheduler.pause();
    // Each run's own controller, not a signal combined with the server's: on Node 20 a
    // long-lived signal keeps every signal ever combined with it.
    for (const r of this.live.values()) controllerOf(r.phase)?.abort();
    this.upkeep.stopPurge();
    const stopping = [...this.live.values()];
    // With replicas, the runs are handed over before this replica leaves.
    await Promise.allSettled(stopping.map((r) => legOf(r.phase)));
    await this.scheduler.stop();
    for (const r of stopping) r.events.wake();
    await this.deps.webhooks.drain();
    await this.writes.drain();
  }

  /**
   * The rest of a cancel, once the run was told to stop: with `wait`, resolves when it
   * is done; without, it goes on in the background and a failure is logged.
   */
  private async settleCancel(
    record: RunRecord,
    wait: boolean,
    rest: () => Promise<void>,
  ): Promise<void> {
    const done = rest();
    if (wait) await done;
    else done.catch((err) => this.deps.logger.warn(`run ${record.run_id}: ${messageOf(err)}`));
  }

  /** A webhook the agent would call must be one the server's webhook policy allows. */
  private checkWebhook(agent: RegisteredAgent, webhook: string | undefined): void {
    if (webhook === undefined || agent.descriptor.specs.capabilities.callbacks !== true) return;
    const refusal = this.deps.webhooks.refusal(webhook);
    if (refusal) {
      throw new InvalidRequestError(
        `webhook refused by the server's webhook policy: ${refusal}`,
        "webhook",
      );
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ServerClosingError();
  }

  /** The run with this id: the one executing here, or the stored one. */
  private find(runId: string): Promise<RunRecord | undefined> {
    const live = this.live.get(runId);
    if (live) {
      // Its end may be stored, and seen by another replica, before it is shown here.
      const ending = live.status === "pending" ? this.writes.endUnderWay(runId) : undefined;
      return ending ? ending.then(() => live) : Promise.resolve(live);
    }
    // This server hands out UUIDs only; nothing else is looked up in storage.
    if (!isUuid(runId)) return Promise.resolve(undefined);
    let loading = this.loading.get(runId);
    if (!loading) {
      loading = this.load(runId).finally(() => this.loading.delete(runId));
      this.loading.set(runId, loading);
    }
    return loading;
  }

  private async load(runId: string): Promise<RunRecord | undefined> {
    await this.writes.pending(runId);
    const stored = await this.deps.store.runs.get(runId);
    if (!stored) return undefined;
    const known = this.live.get(runId) ?? this.scheduler.known(runId);
    if (known) return known;
    return this.scheduler.follow(this.records.fromStored(stored));
  }

  /** Removes a run from memory and storage; nothing stores it again. */
  private async forget(record: RunRecord): Promise<void> {
    if (record.phase.kind !== "deleted") {
      record.phase = transition(record.phase, { type: "delete" });
    }
    if (this.live.get(record.run_id) === record) this.live.delete(record.run_id);
    await this.writes.delete(record.run_id);
  }

  /**
   * Applies a new run's `multitask_strategy` to the run that holds its thread: refuses
   * (`ThreadBusyError`), or stops it (`interrupt`, `rollback`), or lets the new run queue behind it.
   * Returns the run the new one takes the thread over from. With replicas, the holder
   * may execute in another one, or have ended in one that died before it freed the thread.
   */
  private async makeWay(
    threadId: string,
    activeId: string | undefined,
    strategy: MultitaskStrategy,
  ): Promise<string | undefined> {
    if (activeId === undefined) return undefined;
    const { record: active, ended } = await this.scheduler.holder(activeId);
    if (!ended && (strategy === "reject" || !active)) {
      throw new ThreadBusyError(threadId, activeId);
    }
    if (active && !ended && (strategy === "interrupt" || strategy === "rollback")) {
      await this.cancel(active, true, strategy);
    }
    return activeId;
  }

  /** Refuses (`RunStateConflictError`) to roll back a run that a later run or change on its thread built on. */
  private async assertRollback(record: RunRecord): Promise<void> {
    const threadId = record.thread_id;
    if (threadId === undefined) return;
    const thread = await this.deps.store.threads.get(threadId);
    if (thread?.last_run_id !== undefined && thread.last_run_id !== record.run_id) {
      throw new RunStateConflictError(
        record.run_id,
        `run ${record.run_id} cannot be rolled back: run ${thread.last_run_id} was created on thread ${threadId} after it`,
      );
    }
    if (record.status !== "pending" && record.head !== undefined) {
      const head = (await this.graphState.head(threadId)) ?? "";
      if (head !== record.head) {
        throw new RunStateConflictError(
          record.run_id,
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
}
