import { Command } from "@langchain/langgraph";
import { messageOf } from "../../core/message-of.js";
import type { ResumePayloadSchema } from "../../models/index.js";
import type { CancelAction } from "../../operations.js";
import type { RegisteredAgent } from "../agents.js";
import { RunStateConflictError } from "../errors.js";
import type {
  ClaimedRun,
  QueuedRun,
  ReplicaCoordination,
  ThreadClaim,
} from "../stores/replicas.js";
import type { RunStore } from "../stores/store.js";
import { FollowedRuns } from "./followed-runs.js";
import { errorOutcome } from "./run-leg.js";
import { canClaim, legOf, stopLeg, transition } from "./run-phase.js";
import { now, type RunRecord, toStoredRun } from "./run-record.js";
import type {
  MultitaskStrategy,
  RunScheduler,
  RunSchedulerDeps,
  ThreadHolder,
} from "./run-scheduler.js";
import { MAX_CLAIM_TURNS, storeClaiming } from "./thread-claim.js";

/** What a run whose replica died too often ends with. */
const ABANDONED_DESCRIPTION = "the replicas executing the run stopped";

/** How long a cancel for a run claimed but not yet started here is kept for it, in ms. */
const EARLY_CANCEL_MS = 30_000;

/** How long a resume waits, per turn, for the execution before it to release the run, in ms. */
const RELEASE_WAIT_MS = 50;

/** The first execution of a new run starts from its input. */
const INPUT = { kind: "input" } as const;

/** What the replica side of the runs needs from the run manager. */
export type ReplicaRunsDeps = Omit<RunSchedulerDeps, "store" | "recover"> & {
  replicas: ReplicaCoordination;
  runs: RunStore;
};

/**
 * The runs of a store shared by replicas: queued in the store and executed by whichever
 * replica claims them (the one that created a run first tries itself). A run executing
 * elsewhere is followed for the readers of its stream and its waiters here, and
 * cancelled through the store's notifications.
 */
export class ReplicaRuns implements RunScheduler {
  /** Runs executing in other replicas that readers here wait on. */
  readonly followed: FollowedRuns;
  /** Runs created here and queued, until a replica claims them (this one, at best). */
  private readonly created = new Map<string, RunRecord>();
  /** Cancels asked for runs this process has claimed but not started yet. */
  private readonly earlyCancels = new Map<string, CancelAction>();

  constructor(private readonly deps: ReplicaRunsDeps) {
    this.followed = new FollowedRuns(deps.replicas, deps.runs, deps.logger, deps.executions.live);
  }

  /**
   * Joins the replicas: from now on this process executes the runs it claims, and
   * stops those another replica asks to cancel or that it can no longer own.
   */
  start(): Promise<void> {
    return this.deps.replicas.start({
      execute: (claimed) => this.adopt(claimed),
      cancel: (runId, action) => this.cancelHere(runId, action),
      lost: () => {
        for (const record of this.deps.executions.live.values()) this.deps.writes.lose(record);
      },
    });
  }

  /** Stores a new stateless run queued for the replicas (executed here when it can be). */
  async enqueue(record: RunRecord): Promise<void> {
    await this.handOver(record);
  }

  /** A run just queued executes in whichever replica claims it, and is followed from here. */
  launch(record: RunRecord): RunRecord {
    return this.followed.follow(record);
  }

  /**
   * Stores a new thread run queued for the replicas, claiming its thread in the same
   * step; when another run took the thread meanwhile, the strategy is applied to that
   * one in turn. Then tries to execute it here.
   */
  async enqueueOnThread(record: RunRecord, strategy: MultitaskStrategy): Promise<void> {
    const threadId = record.thread_id as string;
    await storeClaiming(
      threadId,
      (holder) => this.deps.makeWay(threadId, holder, strategy),
      (over) => this.handOver(record, { threadId, ...(over !== undefined ? { over } : {}) }),
    );
  }

  /**
   * Resumes a run that waits at an interrupt: it is queued again for the replicas, and
   * claimed here if it can be; a second resume of it is refused (409).
   */
  async resume(
    record: RunRecord,
    _agent: RegisteredAgent,
    body: ResumePayloadSchema,
  ): Promise<RunRecord> {
    const waiting = {
      status: record.status,
      output: record.output,
      updated_at: record.updated_at,
    };
    record.phase = transition(record.phase, { type: "requeue" });
    Object.assign(record, { status: "pending", output: undefined, updated_at: now() });
    const queued = await this.requeue(record, body);
    if (!queued) {
      // The store still holds it at its interrupt, where a resume already took it.
      if (record.phase.kind !== "deleted") {
        record.phase = transition(record.phase, { type: "stored", status: waiting.status });
      }
      Object.assign(record, waiting);
      throw new RunStateConflictError(record.run_id, `run ${record.run_id} is already resumed`);
    }
    return this.followed.follow(this.claimSoon(record));
  }

  /**
   * Queues a resume. The execution that stopped at the interrupt may not have released
   * the run yet (its last write can trail the answer a client already read): the resume
   * waits for that write, a few turns at most, before it counts as a second resume.
   */
  private async requeue(record: RunRecord, resume: ResumePayloadSchema): Promise<boolean> {
    const replicas = this.deps.replicas;
    await this.deps.writes.pending(record.run_id);
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
  async settle(record: RunRecord): Promise<void> {
    if (record.status !== "pending" || this.deps.executions.live.get(record.run_id) === record) {
      return;
    }
    this.followed.follow(record);
    const stop = AbortSignal.timeout(RELEASE_WAIT_MS * MAX_CLAIM_TURNS);
    await record.events.until(() => record.status !== "pending", stop);
  }

  /**
   * Keeps the record a resume request answers from, and claims the run for this
   * process if a worker is free: the request's own stream then reads the very record
   * that executes. Another replica may claim it first; it is followed then.
   */
  private claimSoon(record: RunRecord): RunRecord {
    this.created.set(record.run_id, record);
    this.deps.replicas.claimNow(record.run_id).then(
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
   * Cancels a pending run this process does not execute: one still queued is taken out
   * of the queue and ended here; one executing in another replica is cancelled there.
   * Resolves once the cancel is ended or asked for, not once the run stopped.
   */
  async cancelElsewhere(record: RunRecord, action: CancelAction): Promise<boolean> {
    if (record.status !== "pending" || this.deps.executions.live.get(record.run_id) === record) {
      return false;
    }
    const replicas = this.deps.replicas;
    const taken = await replicas.take(record.run_id);
    if (taken) {
      this.created.delete(record.run_id);
      this.followed.unfollow(record.run_id);
      if (record.phase.kind !== "deleted") {
        record.phase = transition(record.phase, { type: "claim", attempt: taken.attempt });
      }
      await this.deps.executions.endCancelled(record);
    } else {
      this.followed.follow(record);
      await replicas.requestCancel(record.run_id, action);
    }
    return true;
  }

  caughtUp(record: RunRecord): Promise<void> {
    return this.followed.caughtUp(record);
  }

  known(runId: string): RunRecord | undefined {
    return this.followed.recordOf(runId);
  }

  /** A pending run is followed wherever it executes; any other is as read. */
  follow(record: RunRecord): RunRecord {
    return record.status === "pending" ? this.followed.follow(record) : record;
  }

  /** The holder may execute in another replica, or have ended in one that died before it freed the thread. */
  async holder(activeId: string): Promise<ThreadHolder> {
    const record = this.deps.executions.live.get(activeId) ?? (await this.deps.find(activeId));
    return record ? { record, ended: record.status !== "pending" } : { ended: true };
  }

  /** The store's queue keeps the order of a thread's runs: nothing is kept of it here. */
  forgetThread(): void {}

  pause(): void {
    this.deps.replicas.pause();
    this.followed.close();
  }

  stop(): Promise<void> {
    return this.deps.replicas.stop();
  }

  /**
   * Stores a new run queued for the replicas. The record stays the one a request
   * answers from: when this process executes the run, it executes this very record;
   * when another does, this record follows it. Returns the thread's holder when the
   * run could not claim its thread. A thread run whose claim finds the thread free has
   * its baseline named as it is stored, when the store keeps the checkpoints: its
   * execution then neither reads nor writes it first.
   */
  private async handOver(
    record: RunRecord,
    thread?: { threadId: string; over?: string },
  ): Promise<string | undefined> {
    this.created.set(record.run_id, record);
    const claim: ThreadClaim | undefined =
      thread && this.deps.storeCheckpoints
        ? {
            ...thread,
            onBaseline: (baseline) => {
              record.baseline = baseline;
            },
          }
        : thread;
    let queued: QueuedRun;
    try {
      queued = await this.deps.replicas.insertQueued(toStoredRun(record), INPUT, claim);
    } catch (err) {
      this.created.delete(record.run_id);
      throw err;
    }
    if (!queued.here) this.created.delete(record.run_id);
    return queued.holder;
  }

  /**
   * Executes a run this replica claimed: a new one, a resume, or one whose replica died
   * (a takeover, which continues from the run's last checkpoint when it has one).
   * Resolves when the execution ends.
   */
  private async adopt(claimed: ClaimedRun): Promise<void> {
    const { executions } = this.deps;
    const runId = claimed.runId;
    const mine = this.created.get(runId);
    this.created.delete(runId);
    const stored = mine ?? (await this.deps.runs.get(runId));
    if (!stored) return;
    const followed = this.followed.recordOf(runId);
    this.followed.unfollow(runId);
    const known = mine ?? followed;
    if (known?.phase.kind === "deleted") return;
    // A record here that can no longer be claimed is not the run's now: it is read again.
    const record = known && canClaim(known.phase) ? known : this.deps.records.fromStored(stored);
    record.phase = transition(record.phase, { type: "claim", attempt: claimed.attempt });
    // The first execution of a run created here: no other process wrote any of it, and
    // the store has it as it is (pending, not started): nothing to read or write first.
    const fresh = mine !== undefined && claimed.attempt === 1;
    if (!fresh) await this.followed.catchUp(record);
    const agent = this.deps.agents.find(record.agent_id);
    if (claimed.attempt > this.deps.replicas.maxAttempts || !agent) {
      executions.live.set(runId, record);
      const description = agent
        ? `${ABANDONED_DESCRIPTION} ${claimed.attempt - 1} times`
        : `agent ${record.agent_id} is not served by this replica`;
      const { status, output } = errorOutcome("error", runId, agent ? 503 : 500, description);
      await executions.finish(record, status, output);
      executions.live.delete(runId);
      return;
    }
    executions.start(record, agent, await this.legInput(record, agent, claimed), fresh);
    const cancel = this.earlyCancels.get(runId);
    if (cancel) this.cancelHere(runId, cancel);
    await legOf(record.phase);
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
    if (claimed.attempt === 1 || !this.deps.executions.graphFor(record, agent).checkpointed) {
      return first;
    }
    const head = await this.deps.graphState.head(record.graphThreadId);
    // A thread run's baseline is stored before its graph starts: without one, it did not.
    // A thread with no checkpoint has the baseline "" (as execute stores it), and no head.
    const started =
      record.thread_id === undefined
        ? head !== undefined
        : record.baseline !== undefined && (head ?? "") !== record.baseline;
    if (!started) return first;
    const state = await agent.graph.getState({ configurable: { thread_id: record.graphThreadId } });
    const waiting = state.tasks.some((t) => (t.interrupts ?? []).length > 0);
    return leg.kind === "resume" && waiting ? first : null;
  }

  /** A cancel another replica asked for: stops the run if it executes here. */
  private cancelHere(runId: string, action: CancelAction): void {
    const record = this.deps.executions.live.get(runId);
    if (!record) {
      // It may be claimed here and about to start: the cancel waits for it a while.
      this.earlyCancels.set(runId, action);
      setTimeout(() => this.earlyCancels.delete(runId), EARLY_CANCEL_MS).unref();
      return;
    }
    this.earlyCancels.delete(runId);
    if (record.status !== "pending") return;
    stopLeg(record, action);
  }
}
