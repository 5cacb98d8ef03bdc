import type { Client, Pool } from "pg";
import type { CancelAction } from "../../../operations.js";
import type { StoreLogger } from "../codec.js";
import type {
  ClaimedRun,
  Leg,
  QueuedRun,
  ReplicaCoordination,
  ReplicaHandlers,
} from "../replicas.js";
import type { StoredRun } from "../store.js";
import { PostgresReplica } from "./replica.js";
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
  private readonly ready: Promise<{ pool: Pool; replica: PostgresReplica }>;
  readonly maxAttempts: number;

  constructor(
    opened: Promise<Pool>,
    connect: () => Client,
    private readonly runs: PostgresRunStore,
    schema: string,
    private readonly logger: StoreLogger,
    private readonly options: WorkerOptions & { maxAttempts?: number },
  ) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.ready = opened.then((pool) => {
      this.replica = new PostgresReplica(pool, connect, schema);
      return { pool, replica: this.replica };
    });
    this.ready.catch(() => undefined);
  }

  async start(handlers: ReplicaHandlers): Promise<void> {
    const { replica } = await this.ready;
    replica.onCancel((runId, action) => handlers.cancel(runId, action));
    await replica.start((err) => {
      this.logger.warn(`replica ${replica.id} lost its database connection: ${err.message}`);
      this.workers?.stop();
      handlers.lost(err.message);
    });
    this.workers = new ReplicaWorkers(
      replica,
      handlers.execute,
      (message) => this.logger.warn(message),
      this.options,
    );
    this.workers.start();
  }

  pause(): void {
    this.workers?.stop();
  }

  async stop(): Promise<void> {
    this.workers?.stop();
    await this.replica?.stop();
  }

  async handOver(run: StoredRun, attempt: number): Promise<boolean> {
    const { replica } = await this.ready;
    return this.runs.handBack(run, replica.id, attempt, replica.channels.queue);
  }

  async insertQueued(
    run: StoredRun,
    leg: Leg,
    thread?: { threadId: string; over?: string },
  ): Promise<QueuedRun> {
    const { replica } = await this.ready;
    // Executed here at once when a worker is free and it waits for no other run.
    const workers = thread?.over === undefined ? this.workers : undefined;
    const here = workers?.reserve() ?? false;
    let holder: string | undefined;
    try {
      holder = await this.runs.insertQueued(
        run,
        leg,
        thread,
        replica.channels.queue,
        here ? replica.id : undefined,
      );
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
    const { replica } = await this.ready;
    return this.runs.requeue(run, leg, replica.channels.queue);
  }

  async claimNow(runId: string): Promise<boolean> {
    return (await this.workers?.claimNow(runId)) ?? false;
  }

  async take(runId: string): Promise<ClaimedRun | undefined> {
    const { replica } = await this.ready;
    return replica.claim(runId, false);
  }

  async updateOwned(run: StoredRun, attempt: number, release: boolean): Promise<boolean> {
    const { replica } = await this.ready;
    return this.runs.updateOwned(run, replica.id, attempt, release, replica.channels.queue);
  }

  watch(runId: string, listener: () => void): () => void {
    if (!this.replica) return () => undefined;
    return this.replica.onRunChange(runId, listener);
  }

  async requestCancel(runId: string, action: CancelAction): Promise<void> {
    const { replica } = await this.ready;
    await replica.requestCancel(runId, action);
  }
}
