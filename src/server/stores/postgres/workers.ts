import { messageOf } from "../../../core/message-of.js";
import type { ClaimedRun } from "../replicas.js";
import type { PostgresReplica } from "./replica.js";

/** How a replica's workers take queued runs. */
export interface WorkerOptions {
  /** How many runs one replica executes at once at most. Default 64. */
  concurrency?: number;
  /**
   * How often idle workers look at the queue without being told, in ms: a safety net
   * for a notification lost with a connection. Default 1000.
   */
  pollIntervalMs?: number;
  /** How often the replica looks for runs of dead replicas, in ms. Default 2000. */
  sweepIntervalMs?: number;
}

/**
 * A replica's workers: they claim queued runs (when told of one, and every
 * `pollIntervalMs`) up to `concurrency` at once and hand each to `execute`; and every
 * `sweepIntervalMs` they queue again the runs of replicas that died.
 */
export class ReplicaWorkers {
  private running = 0;
  private draining = false;
  private pumping?: Promise<void>;
  private again = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: () => void = () => undefined;
  private readonly concurrency: number;
  /**
   * Whether runs may be queued that no worker was free to claim when told of them: a
   * worker that frees looks at the queue then, and only then (no claim that finds
   * nothing after every run).
   */
  private backlog = true;

  constructor(
    private readonly replica: PostgresReplica,
    private readonly execute: (claimed: ClaimedRun) => Promise<void>,
    private readonly report: (message: string) => void,
    private readonly options: WorkerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 64;
  }

  /** Starts claiming and sweeping. */
  start(): void {
    this.unsubscribe = this.replica.onQueued(() => this.wake());
    const poll = setInterval(() => this.wake(), this.options.pollIntervalMs ?? 1000);
    const sweep = setInterval(() => {
      this.replica.sweep().then(
        (runs) => {
          if (runs.length > 0) this.wake();
        },
        (err) => this.report(`looking for runs of stopped replicas failed: ${messageOf(err)}`),
      );
    }, this.options.sweepIntervalMs ?? 2000);
    poll.unref();
    sweep.unref();
    this.timers.push(poll, sweep);
    this.wake();
  }

  /** True while a worker is free. */
  get free(): boolean {
    return !this.draining && this.running < this.concurrency;
  }

  /** Takes a free worker for a run about to be claimed; false when none is free. */
  reserve(): boolean {
    if (!this.free) return false;
    this.running++;
    return true;
  }

  /** Gives back a worker {@link reserve} took, when the claim did not happen. */
  unreserve(): void {
    this.running--;
  }

  /** Executes a run claimed with a worker {@link reserve} took. */
  runReserved(claimed: ClaimedRun): void {
    this.run(claimed);
  }

  /** Claims `runId` for this replica now, when a worker is free; false otherwise. */
  async claimNow(runId: string): Promise<boolean> {
    if (!this.free) return false;
    this.running++;
    let claimed: ClaimedRun | undefined;
    try {
      claimed = await this.replica.claim(runId);
    } catch (err) {
      this.running--;
      throw err;
    }
    if (!claimed) {
      this.running--;
      return false;
    }
    this.run(claimed);
    return true;
  }

  /** Looks at the queue now. */
  wake(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err) => this.report(`claiming a queued run failed: ${messageOf(err)}`))
      .finally(() => {
        this.pumping = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Stops claiming; runs already claimed go on (the run manager stops them). */
  stop(): void {
    this.draining = true;
    this.unsubscribe();
    for (const timer of this.timers) clearInterval(timer);
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (!this.free) {
        this.backlog = true;
        return;
      }
      this.running++;
      const claimed = await this.replica.claim().catch((err: unknown) => {
        this.running--;
        this.backlog = true;
        throw err;
      });
      if (!claimed) {
        this.running--;
        this.backlog = false;
        return;
      }
      this.run(claimed);
    }
  }

  private run(claimed: ClaimedRun): void {
    this.execute(claimed)
      .catch((err) => this.report(`run ${claimed.runId} failed to execute: ${messageOf(err)}`))
      .finally(() => {
        this.running--;
        if (this.backlog) this.wake();
      });
  }
}
