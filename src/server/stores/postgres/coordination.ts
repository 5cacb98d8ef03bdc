import type { Client, Pool } from "pg";
import { messageOf } from "../../../core/message-of.js";
import type { CancelAction } from "../../../operations.js";
import type { StoreLogger } from "../codec.js";
import type {
  ClaimedRun,
  Leg,
  QueuedRun,
  ReplicaCoordination,
  ReplicaHandlers,
  ThreadClaim,
  ThreadEnd,
} from "../replicas.js";
import type { RunWritten, StoredEvent, StoredRun } from "../store.js";
import { PostgresReplica, ReplicaNotices } from "./replica.js";
import type { PostgresRunStore } from "./store.js";
import { ReplicaWorkers, type WorkerOptions } from "./workers.js";

/**
 * Replicas coordinated through PostgreSQL: a queue in the `runs` table claimed with
 * `FOR UPDATE SKIP LOCKED`, NOTIFY for run changes, cancels and queued runs, and an
 * advisory lock per replica that tells the others it is alive (see `PostgresReplica`).
 */
export class PostgresCoordination implements ReplicaCoordination {
  private replica?: PostgresReplica;
  private workers?: ReplicaWorkers;
  private handlers?: ReplicaHandlers;
  /** The replica whose connection is up and whose workers claim runs. */
  private joined?: PostgresReplica;
  private stopped = false;
  private rejoinTimer?: NodeJS.Timeout;
  /** Listeners kept across the replica's connections (it joins again after losing one). */
  private readonly notices = new ReplicaNotices();
  private readonly pool: Promise<Pool>;
  readonly maxAttempts: number;

  constructor(
    opened: Promise<Pool>,
    private readonly connect: (applicationName: string) => Client,
    private readonly runs: PostgresRunStore,
    private readonly schema: string,
    private readonly logger: StoreLogger,
    private readonly options: WorkerOptions & { maxAttempts?: number; rejoinMaxDelayMs?: number },
  ) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.pool = opened;
    this.pool.catch(() => undefined);
    this.notices.cancel.add((runId, action) => this.handlers?.cancel(runId, action));
  }

  /** The replica as it is now; one is made (not started) before `start` for writes that need an id. */
  private async current(): Promise<PostgresReplica> {
    const pool = await this.pool;
    this.replica ??= new PostgresReplica(pool, this.connect, this.schema, this.notices);
    return this.replica;
  }

  async start(handlers: ReplicaHandlers): Promise<void> {
    this.handlers = handlers;
    await this.join(await this.current());
  }

  /** Connects `replica`, takes its lock and starts its workers. */
  private async join(replica: PostgresReplica): Promise<void> {
    const handlers = this.handlers as ReplicaHandlers;
    await replica.start((err) => this.lose(replica, err));
    if (this.stopped) {
      await replica.stop();
      return;
    }
    this.workers = new ReplicaWorkers(
      replica,
      handlers.execute,
      (message) => this.logger.warn(message),
      this.options,
    );
    this.workers.start();
    this.joined = replica;
  }

  /**
   * The replica's connection broke: its lock is gone, so the others take its runs
   * over. It stops executing them, and joins again under a new id, with backoff, until
   * the database answers; what it missed meanwhile is read again.
   */
  private lose(replica: PostgresReplica, err: Error): void {
    if (this.joined !== replica || this.stopped) return;
    this.joined = undefined;
    this.logger.warn(
      `replica ${replica.id} lost its database connection (${err.message}): it stops the runs it executes, which the other replicas take over, and joins again`,
    );
    this.workers?.stop();
    this.workers = undefined;
    void replica.stop();
    this.handlers?.lost(err.message);
    void this.pool.then((pool) => {
      this.replica = new PostgresReplica(pool, this.connect, this.schema, this.notices);
      this.rejoin(this.replica, 100);
    });
  }

  private rejoin(replica: PostgresReplica, delay: number): void {
    if (this.stopped || this.replica !== replica) return;
    this.join(replica).then(
      () => {
        if (this.stopped) return;
        this.logger.warn(`replica ${replica.id} joined the replicas again`);
        // Changes announced while it was away were not heard: read every followed run again.
        this.notices.everyRunChanged();
      },
      (err: unknown) => {
        void replica.stop();
        const next = Math.min(delay * 2, this.options.rejoinMaxDelayMs ?? 5_000);
        this.logger.warn(
          `replica ${replica.id} cannot join the replicas yet (${messageOf(err)}); trying again in ${delay} ms`,
        );
        this.rejoinTimer = setTimeout(() => this.rejoin(replica, next), delay);
      },
    );
  }

  pause(): void {
    this.workers?.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.rejoinTimer);
    this.workers?.stop();
    await this.replica?.stop();
  }

  async handOver(run: StoredRun, attempt: number): Promise<boolean> {
    const replica = await this.current();
    return this.runs.handBack(run, replica.id, attempt);
  }

  async insertQueued(run: StoredRun, leg: Leg, thread?: ThreadClaim): Promise<QueuedRun> {
    const replica = await this.current();
    // Executed here at once when a worker is free and it waits for no other run.
    const workers = thread?.over === undefined ? this.workers : undefined;
    const here = workers?.reserve() ?? false;
    let holder: string | undefined;
    try {
      holder = await this.runs.insertQueued(run, leg, thread, here ? replica.id : undefined);
    } catch (err) {
      if (here) workers?.unreserve();
      throw err;
    }
    if (!here) return holder !== undefined ? { holder, here } : { here };
    if (holder !== undefined) {
      workers?.unreserve();
      return { holder, here: false };
    }
    workers?.runReserved({ runId: run.run_id, attempt: 1, leg });
    return { here: true };
  }

  async requeue(run: StoredRun, leg: Leg): Promise<boolean> {
    return this.runs.requeue(run, leg);
  }

  async claimNow(runId: string): Promise<boolean> {
    return (await this.workers?.claimNow(runId)) ?? false;
  }

  async take(runId: string): Promise<ClaimedRun | undefined> {
    const replica = await this.current();
    return replica.claim(runId, false);
  }

  async updateOwned(
    run: StoredRun,
    attempt: number,
    release: boolean,
    thread?: ThreadEnd,
    events?: readonly StoredEvent[],
  ): Promise<RunWritten | false> {
    const replica = await this.current();
    return this.runs.updateOwned(run, replica.id, attempt, release, thread, events);
  }

  async appendOwned(
    runId: string,
    events: readonly StoredEvent[],
    attempt: number,
  ): Promise<boolean> {
    if (events.length === 0) return true;
    const replica = await this.current();
    return this.runs.appendEventsOwned(runId, events, replica.id, attempt);
  }

  watch(runId: string, listener: () => void): () => void {
    return this.notices.onRunChange(runId, listener);
  }

  async requestCancel(runId: string, action: CancelAction): Promise<void> {
    const replica = await this.current();
    await replica.requestCancel(runId, action);
  }
}
