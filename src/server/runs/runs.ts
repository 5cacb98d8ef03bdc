import { randomUUID } from "node:crypto";
import { type BaseCheckpointSaver, Command } from "@langchain/langgraph";
import { isUuid } from "../../core/json-guards.js";
import { messageOf } from "../../core/message-of.js";
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
import type { ClaimedRun, QueuedRun, ReplicaCoordination, ThreadEnd } from "../stores/replicas.js";
import type { ServerStore, StoredEvent, StoredRun } from "../stores/store.js";
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

/** What a run that was pending when its server stopped without closing ends with. */
const STOPPED_DESCRIPTION = "the server stopped while the run was executing";

/** What a run whose replica died too often ends with. */
const ABANDONED_DESCRIPTION = "the replicas executing the run stopped";

/** How long a cancel for a run claimed but not yet started here is kept for it, in ms. */
const EARLY_CANCEL_MS = 30_000;

/** How often a new run tries to take a thread that other new runs keep taking first. */
const MAX_CLAIM_TURNS = 20;

/** How long a resume waits, per turn, for the execution before it to release the run, in ms. */
const RELEASE_WAIT_MS = 50;

/** How many records one recovery or purge step reads. */
const BATCH = 100;

/** A run executing in another replica, whose changes this process follows for its readers. */
interface Followed {
  record: RunRecord;
  unwatch: () => void;
  refreshing: boolean;
  again: boolean;
}

/**
 * Every run of the server: creates them, executes them in the background, resumes,
 * cancels and deletes them. Runs, their events and the claim a run holds on its thread
 * live in the store, written on each change; memory holds the runs executing here.
 *
 * On a store shared by replicas (`store.replicas`), runs are queued in the store and
 * executed by whichever replica claims them (the one that created a run first tries
 * itself); a run executing elsewhere is followed through the store's notifications
 * for the readers of its stream and its waiters here, and cancelled through them.
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
  /** Runs executing in other replicas that readers here wait on. */
  private readonly followed = new Map<string, Followed>();
  /** Runs created here and queued, until a replica claims them (this one, at best). */
  private readonly created = new Map<string, RunRecord>();
  /** Cancels asked for runs this process has claimed but not started yet. */
  private readonly earlyCancels = new Map<string, CancelAction>();

  constructor(private readonly deps: RunManagerDeps) {
    this.graphState = new GraphState(deps.saver);
  }

  private get replicas(): ReplicaCoordination | undefined {
    return this.deps.store.replicas;
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
    const replicas = this.replicas;
    if (replicas) {
      await replicas.start({
        execute: (claimed) => this.adopt(claimed),
        cancel: (runId, action) => this.cancelHere(runId, action),
        lost: () => {
          for (const record of this.live.values()) this.lose(record);
        },
      });
      this.schedulePurge();
      return;
    }
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
    if (this.replicas) return this.queueNew(this.replicas, record);
    await this.insert(record);
    this.start(record, agent, body.input ?? null, true);
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
    const strategy = body.multitask_strategy ?? "reject";
    const record = this.newRecord({
      run_id: randomUUID(),
      thread_id: threadId,
      agent_id: agent.agentId,
      creation: body,
      graphThreadId: threadId,
      modes,
    });
    if (this.replicas) {
      await this.queueOnThread(this.replicas, record, thread.busy_run_id, strategy);
    } else {
      const over = await this.makeWay(threadId, thread.busy_run_id, strategy);
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
    }
    await threads.patch(threadId, {
      agent_id: agent.agentId,
      updated_at: record.created_at,
      last_run_id: record.run_id,
    });
    if (this.replicas) return this.follow(record);
    this.start(record, agent, body.input ?? null, true);
    return record;
  }

  /** Resumes an interrupted run with the payload its interrupt asked for. */
  async resume(record: RunRecord, body: ResumePayloadSchema): Promise<RunRecord> {
    if (this.replicas && record.status === "pending" && this.live.get(record.run_id) !== record) {
      // It may have stopped at its interrupt in another replica a moment ago.
      await this.settle(record);
    }
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
    if (this.replicas) {
      const waiting = {
        status: record.status,
        output: record.output,
        updated_at: record.updated_at,
      };
      Object.assign(record, { status: "pending", output: undefined, updated_at: now() });
      const queued = await this.requeue(this.replicas, record, body);
      if (!queued) {
        Object.assign(record, waiting);
        throw conflict(`run ${record.run_id} is already resumed`);
      }
      return this.follow(this.claimSoon(record));
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

  /**
   * The record with every event stored for it so far: a run that executes in another
   * replica is read up to now first, so that "from now on" means now there too.
   */
  async caughtUp(record: RunRecord): Promise<RunRecord> {
    if (this.followed.get(record.run_id)?.record === record) await this.catchUp(record);
    return record;
  }

  /** Resolves when the run is no longer pending, or when `signal` aborts. */
  async wait(record: RunRecord, signal: AbortSignal): Promise<void> {
    while (record.status === "pending" && !signal.aborted && !record.handedOver) {
      await record.events.changed(signal);
    }
    if (record.handedOver && record.status === "pending") {
      throw new ACPHttpError(
        503,
        `this server is shutting down and run ${record.run_id} goes on in another replica: wait for it again`,
      );
    }
    // What a waiter reads is stored by then, so that any replica answers alike after it.
    await this.writes.get(record.run_id);
    // A run executed here has also freed its thread by the time its execution ends: a
    // client that waited can start the thread's next run at once.
    if (!signal.aborted && record.status !== "pending") await record.leg?.catch(() => undefined);
  }

  /**
   * Cancels a run. `interrupt` stops it; `rollback` also deletes it and the checkpoints
   * it wrote, and is refused (422) when a later run or change on the thread built on
   * them. With `wait`, resolves once it has stopped (and been rolled back).
   */
  async cancel(record: RunRecord, wait: boolean, action: CancelAction): Promise<void> {
    if (action === "rollback") await this.assertRollback(record);
    if (this.replicas && record.status === "pending" && this.live.get(record.run_id) !== record) {
      return this.cancelElsewhere(this.replicas, record, wait, action);
    }
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
   * Stops accepting runs and stops the running ones: they end in `error`, errcode 503;
   * with replicas, they are handed over to the other replicas instead. Resolves when
   * they have stopped and their records are stored.
   */
  async close(): Promise<void> {
    this.shutdown.abort();
    this.replicas?.pause();
    // Each run's own controller, not a signal combined with the server's: on Node 20 a
    // long-lived signal keeps every signal ever combined with it.
    for (const r of this.live.values()) r.controller?.abort();
    clearTimeout(this.purgeTimer);
    for (const entry of this.followed.values()) {
      entry.unwatch();
      entry.record.events.wake();
    }
    this.followed.clear();
    const stopping = [...this.live.values()];
    // With replicas, the runs are handed over before this replica leaves.
    await Promise.allSettled(stopping.map((r) => r.leg));
    await this.replicas?.stop();
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
    await this.writes.get(runId);
    const stored = await this.deps.store.runs.get(runId);
    if (!stored) return undefined;
    const known = this.live.get(runId) ?? this.followed.get(runId)?.record;
    if (known) return known;
    const record = this.fromStored(stored);
    return this.replicas && record.status === "pending" ? this.follow(record) : record;
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

  /**
   * Writes the run's new events and then the run as it is now, after earlier writes;
   * an execution owned through the replicas' queue also ends its thread (`threadEnd`)
   * in that write.
   */
  private save(record: RunRecord, threadEnd?: ThreadEnd): Promise<void> {
    const write = this.queue(record.run_id, async () => {
      if (record.deleted) return;
      if (record.lost) return;
      const runs = this.deps.store.runs;
      const events = record.events.unsaved();
      if (events.length > 0) await this.appendEvents(record, events);
      if (record.lost) return;
      if (this.replicas && record.attempt !== undefined) {
        const release = record.status !== "pending";
        const owned = await this.replicas.updateOwned(
          toStoredRun(record),
          record.attempt,
          release,
          release ? threadEnd : undefined,
        );
        if (!owned) this.lose(record);
        // The execution ended: later writes (a cancel at its interrupt) are no longer its own.
        else if (release) record.attempt = undefined;
      } else await runs.update(toStoredRun(record));
      record.events.trim();
    });
    return write.catch((err) =>
      this.deps.logger.warn(`run ${record.run_id} could not be stored: ${messageOf(err)}`),
    );
  }

  /**
   * Stores new events of a run. An execution claimed from the replicas' queue writes
   * them only while it owns the run; one that was taken over learns it here and stops.
   */
  private async appendEvents(record: RunRecord, events: StoredEvent[]): Promise<void> {
    const attempt = record.attempt;
    if (!this.replicas || attempt === undefined) {
      await this.deps.store.runs.appendEvents(record.run_id, events);
    } else if (!(await this.replicas.appendOwned(record.run_id, events, attempt))) {
      this.lose(record);
    }
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

  /**
   * Starts (or restarts, after a resume) the background execution of a run. A run
   * that was just `inserted` is stored as pending already and is not written again.
   */
  private start(record: RunRecord, agent: RegisteredAgent, input: unknown, inserted = false): void {
    const threadId = record.thread_id;
    // With replicas, a queued run is claimed only once the run it waits for has ended.
    const previous =
      threadId !== undefined && !this.replicas ? this.tails.get(threadId) : undefined;
    const controller = new AbortController();
    record.controller = controller;
    record.cancelling = undefined;
    record.events.onAppend = () => this.saveEventsSoon(record);
    this.live.set(record.run_id, record);
    void this.setStatus(record, "pending", undefined, !inserted);
    record.leg = this.execute(record, agent, input, controller, previous).finally(() => {
      if (this.live.get(record.run_id) === record && record.status !== "pending") {
        this.live.delete(record.run_id);
      }
    });
    if (threadId !== undefined && !this.replicas) this.tails.set(threadId, record.leg);
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
        if (record.lost) return;
        await this.appendEvents(record, events);
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
          ? // A replica that shuts down hands the runs it owns over to the others.
            this.replicas && record.attempt !== undefined
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
        record.baseline = (await this.graphState.head(record.thread_id)) ?? "";
        // A replica that takes the run over must know where it started.
        if (this.replicas) await this.save(record);
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
      if (outcome.handedOver) return await this.handBack(record);
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
    const withRun = this.replicas !== undefined && record.attempt !== undefined;
    await this.setStatus(record, status, output, true, withRun ? threadEnd : undefined);
    if (threadEnd && !withRun && !record.lost) {
      const threads = this.deps.store.threads;
      await threads.patch(threadEnd.threadId, { status: threadEnd.status, updated_at: now() });
      await threads.release(threadEnd.threadId, record.run_id);
    }
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
    if (store && !record.deleted) await this.save(record, threadEnd);
  }

  /**
   * Applies a new run's `multitask_strategy` to the run that holds its thread: refuses
   * (409), or stops it (`interrupt`, `rollback`), or lets the new run queue behind it.
   * Returns the run the new one takes the thread over from. With replicas, the holder
   * may execute in another one, or have ended in one that died before it freed the thread.
   */
  private async makeWay(
    threadId: string,
    activeId: string | undefined,
    strategy: NonNullable<RunCreateStateful["multitask_strategy"]>,
  ): Promise<string | undefined> {
    if (activeId === undefined) return undefined;
    const active =
      this.live.get(activeId) ?? (this.replicas ? await this.find(activeId) : undefined);
    const ended = this.replicas !== undefined && active?.status !== "pending";
    if (!ended && (strategy === "reject" || !active)) {
      throw conflict(`thread ${threadId} is busy with run ${activeId}`);
    }
    if (active && !ended && (strategy === "interrupt" || strategy === "rollback")) {
      await this.cancel(active, true, strategy);
    }
    return activeId;
  }

  /**
   * Stores a new thread run queued for the replicas, claiming its thread in the same
   * step; when another run took the thread meanwhile, the strategy is applied to that
   * one in turn. Then tries to execute it here.
   */
  private async queueOnThread(
    replicas: ReplicaCoordination,
    record: RunRecord,
    activeId: string | undefined,
    strategy: NonNullable<RunCreateStateful["multitask_strategy"]>,
  ): Promise<void> {
    const threadId = record.thread_id as string;
    let holder = activeId;
    for (let turn = 0; turn < MAX_CLAIM_TURNS; turn++) {
      const over = await this.makeWay(threadId, holder, strategy);
      holder = await this.handOver(replicas, record, {
        threadId,
        ...(over !== undefined ? { over } : {}),
      });
      if (holder === undefined) return;
      if (holder === "") throw notFound(`thread ${threadId} not found`);
    }
    throw conflict(`thread ${threadId} is busy with run ${holder}`);
  }

  /**
   * Stores a new run queued for the replicas. The record stays the one a request
   * answers from: when this process executes the run, it executes this very record;
   * when another does, this record follows it. Returns the thread's holder when the
   * run could not claim its thread.
   */
  private async handOver(
    replicas: ReplicaCoordination,
    record: RunRecord,
    thread?: { threadId: string; over?: string },
  ): Promise<string | undefined> {
    this.created.set(record.run_id, record);
    let queued: QueuedRun;
    try {
      queued = await replicas.insertQueued(toStoredRun(record), INPUT, thread);
    } catch (err) {
      this.created.delete(record.run_id);
      if (err instanceof StoreLimitError) throw new ACPHttpError(503, err.message);
      throw err;
    }
    if (!queued.here) this.created.delete(record.run_id);
    return queued.holder;
  }

  /**
   * Queues a resume. The execution that stopped at the interrupt may not have released
   * the run yet (its last write can trail the answer a client already read): the resume
   * waits for that write, a few turns at most, before it counts as a second resume.
   */
  private async requeue(
    replicas: ReplicaCoordination,
    record: RunRecord,
    resume: ResumePayloadSchema,
  ): Promise<boolean> {
    await this.writes.get(record.run_id);
    for (let turn = 0; turn < MAX_CLAIM_TURNS; turn++) {
      if (await replicas.requeue(toStoredRun(record), { kind: "resume", resume })) return true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, RELEASE_WAIT_MS);
        const unwatch = replicas.watch(record.run_id, done);
        function done() {
          clearTimeout(timer);
          unwatch();
          resolve();
        }
      });
    }
    return false;
  }

  /** Waits a few turns at most for a run that executes elsewhere to stop being pending. */
  private async settle(record: RunRecord): Promise<void> {
    this.follow(record);
    const stop = AbortSignal.timeout(RELEASE_WAIT_MS * MAX_CLAIM_TURNS);
    while (record.status === "pending" && !stop.aborted) await record.events.changed(stop);
  }

  /** Stores a new stateless run queued for the replicas (executed here when it can be). */
  private async queueNew(replicas: ReplicaCoordination, record: RunRecord): Promise<RunRecord> {
    await this.handOver(replicas, record);
    return this.follow(record);
  }

  /**
   * Keeps the record a resume request answers from, and claims the run for this
   * process if a worker is free: the request's own stream then reads the very record
   * that executes. Another replica may claim it first; it is followed then.
   */
  private claimSoon(record: RunRecord): RunRecord {
    const replicas = this.replicas as ReplicaCoordination;
    this.created.set(record.run_id, record);
    replicas.claimNow(record.run_id).then(
      (claimed) => {
        if (!claimed) this.created.delete(record.run_id);
      },
      (err) => {
        this.created.delete(record.run_id);
        this.deps.logger.warn(`run ${record.run_id} could not be claimed: ${messageOf(err)}`);
      },
    );
    return record;
  }

  /**
   * Executes a run this replica claimed: a new one, a resume, or one whose replica died
   * (a takeover, which continues from the run's last checkpoint when it has one).
   * Resolves when the execution ends.
   */
  private async adopt(claimed: ClaimedRun): Promise<void> {
    const runId = claimed.runId;
    const mine = this.created.get(runId);
    this.created.delete(runId);
    const stored = mine ?? (await this.deps.store.runs.get(runId));
    if (!stored) return;
    const followed = this.followed.get(runId);
    this.unfollow(runId);
    const record = mine ?? followed?.record ?? this.fromStored(stored);
    record.attempt = claimed.attempt;
    record.lost = false;
    await this.catchUp(record);
    const agent = this.deps.agents.find(record.agent_id);
    if (claimed.attempt > (this.replicas as ReplicaCoordination).maxAttempts || !agent) {
      this.live.set(runId, record);
      const description = agent
        ? `${ABANDONED_DESCRIPTION} ${claimed.attempt - 1} times`
        : `agent ${record.agent_id} is not served by this replica`;
      await this.finish(record, "error", {
        type: "error",
        run_id: runId,
        errcode: agent ? 503 : 500,
        description,
      });
      this.live.delete(runId);
      return;
    }
    this.start(record, agent, await this.legInput(record, agent, claimed));
    const cancel = this.earlyCancels.get(runId);
    if (cancel) this.cancelHere(runId, cancel);
    await record.leg;
  }

  /**
   * What an execution starts from. A first one, from its input or resume. A takeover,
   * from where the dead replica's checkpoints left the graph: the resume again when its
   * interrupt is still waiting, else the graph's next steps when it made progress, else
   * the input again.
   */
  private async legInput(
    record: RunRecord,
    agent: RegisteredAgent,
    claimed: ClaimedRun,
  ): Promise<unknown> {
    const { leg } = claimed;
    const first =
      leg.kind === "resume" ? new Command({ resume: leg.resume }) : (record.creation.input ?? null);
    if (claimed.attempt === 1 || !this.graphFor(record, agent).checkpointed) return first;
    const head = await this.graphState.head(record.graphThreadId);
    // A thread run's baseline is stored before its graph starts: without one, it did not.
    const started =
      record.thread_id === undefined
        ? head !== undefined
        : record.baseline !== undefined && head !== record.baseline;
    if (!started) return first;
    const state = await agent.graph.getState({ configurable: { thread_id: record.graphThreadId } });
    const waiting = state.tasks.some((t) => (t.interrupts ?? []).length > 0);
    return leg.kind === "resume" && waiting ? first : null;
  }

  /** Reads the events of the run another process stored and this record has not seen. */
  private async catchUp(record: RunRecord): Promise<void> {
    for (;;) {
      const events = await this.deps.store.runs.readEvents(
        record.run_id,
        record.events.size,
        BATCH,
      );
      if (events.length === 0) return;
      record.events.absorb(events);
    }
  }

  /**
   * Follows a run that executes in another replica: at each change it announces, the
   * record here is read again, so the readers of its stream and its waiters here see
   * its events and its end. Stops once the run is no longer pending.
   */
  private follow(record: RunRecord): RunRecord {
    const replicas = this.replicas;
    // Not a run this process executes (or has claimed and is starting).
    if (!replicas || this.live.get(record.run_id) === record || record.attempt !== undefined) {
      return record;
    }
    const known = this.followed.get(record.run_id);
    if (known) return known.record;
    const entry: Followed = { record, unwatch: () => undefined, refreshing: false, again: false };
    this.followed.set(record.run_id, entry);
    entry.unwatch = replicas.watch(record.run_id, () => this.refresh(entry));
    // What changed before the watch began.
    this.refresh(entry);
    return record;
  }

  private unfollow(runId: string): void {
    this.followed.get(runId)?.unwatch();
    this.followed.delete(runId);
  }

  private refresh(entry: Followed): void {
    if (entry.refreshing) {
      entry.again = true;
      return;
    }
    entry.refreshing = true;
    const { record } = entry;
    const step = async () => {
      do {
        entry.again = false;
        if (this.followed.get(record.run_id) !== entry) return;
        const stored = await this.deps.store.runs.get(record.run_id);
        if (this.followed.get(record.run_id) !== entry) return;
        await this.catchUp(record);
        if (!stored) {
          this.unfollow(record.run_id);
          record.events.wake();
          return;
        }
        record.status = stored.status;
        record.output = stored.output;
        record.updated_at = stored.updated_at;
        if (stored.baseline !== undefined) record.baseline = stored.baseline;
        if (stored.head !== undefined) record.head = stored.head;
        record.events.wake();
        if (stored.status !== "pending") this.unfollow(record.run_id);
      } while (entry.again);
    };
    step()
      .catch((err) => this.deps.logger.warn(`run ${record.run_id}: ${messageOf(err)}`))
      .finally(() => {
        entry.refreshing = false;
        // A change announced after the last read began but after the loop ended.
        if (entry.again) this.refresh(entry);
      });
  }

  /**
   * Cancels a pending run this process does not execute: one still queued is taken out
   * of the queue and ended here; one executing in another replica is cancelled there.
   */
  private async cancelElsewhere(
    replicas: ReplicaCoordination,
    record: RunRecord,
    wait: boolean,
    action: CancelAction,
  ): Promise<void> {
    const taken = await replicas.take(record.run_id);
    if (taken) {
      record.attempt = taken.attempt;
      record.cancelling = action;
      this.created.delete(record.run_id);
      this.unfollow(record.run_id);
      const { status, output } = failedOutcome(record.run_id, undefined, "cancel");
      if (output.type === "error") record.events.append({ ...output, status });
      await this.finish(record, status, output);
    } else {
      this.follow(record);
      await replicas.requestCancel(record.run_id, action);
    }
    const done = (async () => {
      await this.wait(record, this.shutdown.signal);
      if (action === "rollback" && record.status !== "pending") await this.rollback(record);
    })();
    if (wait) await done;
    else done.catch((err) => this.deps.logger.warn(`run ${record.run_id}: ${messageOf(err)}`));
  }

  /** A cancel another replica asked for: stops the run if it executes here. */
  private cancelHere(runId: string, action: CancelAction): void {
    const record = this.live.get(runId);
    if (!record) {
      // It may be claimed here and about to start: the cancel waits for it a while.
      this.earlyCancels.set(runId, action);
      setTimeout(() => this.earlyCancels.delete(runId), EARLY_CANCEL_MS).unref();
      return;
    }
    this.earlyCancels.delete(runId);
    if (record.status !== "pending") return;
    record.cancelling = action;
    record.controller?.abort();
  }

  /** Another replica took the run over: this process stops it and writes nothing more. */
  /**
   * Gives a run this process executes back to the replicas' queue, as it is now (its
   * events stored, still pending): another replica takes it over from its last
   * checkpoint. This process writes nothing more of it; its waiters here are woken.
   */
  private async handBack(record: RunRecord): Promise<void> {
    const replicas = this.replicas as ReplicaCoordination;
    const attempt = record.attempt as number;
    await this.queue(record.run_id, async () => {
      const events = record.events.unsaved();
      if (events.length > 0) await this.appendEvents(record, events);
      // False when another replica took it over already: it goes on there all the same.
      await replicas.handOver(toStoredRun(record), attempt);
    }).catch((err) =>
      // It stays owned by this replica, and is taken over once this one is gone, as
      // after a crash.
      this.deps.logger.warn(`run ${record.run_id} could not be handed over: ${messageOf(err)}`),
    );
    record.attempt = undefined;
    record.lost = true;
    record.handedOver = true;
    record.events.wake();
  }

  private lose(record: RunRecord): void {
    if (record.lost) return;
    record.lost = true;
    this.deps.logger.warn(`run ${record.run_id} was taken over by another replica`);
    record.controller?.abort();
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

/** The first execution of a new run starts from its input. */
const INPUT = { kind: "input" } as const;

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
