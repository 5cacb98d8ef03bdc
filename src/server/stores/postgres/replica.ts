import { randomInt } from "node:crypto";
import type { Client, Notification, Pool } from "pg";
import type { CancelAction } from "../../../operations.js";
import type { ClaimedRun, Leg } from "../replicas.js";
import { channelsOf, quoteIdent } from "./schema.js";
import { StorePool } from "./unavailable.js";

/**
 * One replica's link to the others, over one dedicated connection:
 *
 * - it holds a session advisory lock on the replica's id for as long as the connection
 *   lives; PostgreSQL releases it when the process dies (even by SIGKILL) or its
 *   connection drops, so a replica is alive exactly while its lock is held, with no
 *   lease or heartbeat of our own;
 * - it LISTENs for run changes (new events, status), cancel requests and queued runs,
 *   which other replicas NOTIFY in the transactions that make them.
 */
export class PostgresReplica {
  /** This replica's id, also the key of its advisory lock. */
  readonly id = randomInt(1, 2 ** 31 - 1);
  private readonly t: string;
  /** The channels replicas NOTIFY on: run changes, cancel requests, queued runs. */
  readonly channels: { runs: string; cancel: string; queue: string };
  private listener?: Client;
  /** The pool; a connection-class failure is a `StoreUnavailableError`. */
  private readonly db: StorePool;

  /**
   * @param connect Opens the replica's own connection, named `applicationName` (as
   *   `pg_stat_activity` shows it).
   * @param notices Who is told of what the channels announce; a replica that joins
   *   again after losing its connection keeps the listeners of the one before.
   */
  constructor(
    pool: Pool,
    private readonly connect: (applicationName: string) => Client,
    private readonly schema: string,
    readonly notices: ReplicaNotices = new ReplicaNotices(),
  ) {
    this.t = quoteIdent(schema);
    this.channels = channelsOf(schema);
    this.db = new StorePool(Promise.resolve(pool), "replicas");
  }

  /** The advisory lock space of this schema's replicas (the first key of the pair). */
  private get lockSpace(): string {
    return `agntcy-acp:replica:${this.schema}`;
  }

  /** Connects, takes the replica's lock and starts listening. */
  async start(onLost: (err: Error) => void): Promise<void> {
    const client = this.connect(`agntcy-acp replica ${this.id}`);
    client.on("notification", (n) => this.notices.dispatch(this.channels, n));
    client.on("error", onLost);
    try {
      await client.connect();
      await client.query("SELECT pg_advisory_lock(hashtext($1), $2)", [this.lockSpace, this.id]);
      for (const channel of Object.values(this.channels)) {
        await client.query(`LISTEN ${quoteIdent(channel)}`);
      }
    } catch (err) {
      // A half-made link holds nothing: closing it releases a lock it may have taken.
      client.removeListener("error", onLost);
      client.on("error", () => undefined);
      await client.end().catch(() => undefined);
      throw err;
    }
    this.listener = client;
  }

  /** Stops listening and releases the lock: the replica counts as gone. */
  async stop(): Promise<void> {
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  /** Calls `listener` at each change of the run (an event, a status) until unsubscribed. */
  onRunChange(runId: string, listener: () => void): () => void {
    return this.notices.onRunChange(runId, listener);
  }

  /** Calls `listener` for every cancel request, from any replica, until unsubscribed. */
  onCancel(listener: (runId: string, action: CancelAction) => void): () => void {
    this.notices.cancel.add(listener);
    return () => this.notices.cancel.delete(listener);
  }

  /** Calls `listener` when a run was queued by any replica, until unsubscribed. */
  onQueued(listener: () => void): () => void {
    this.notices.queue.add(listener);
    return () => this.notices.queue.delete(listener);
  }

  /** Asks the replica executing `runId`, whichever it is, to cancel it. */
  async requestCancel(runId: string, action: CancelAction): Promise<void> {
    await this.db.query("SELECT pg_notify($1, $2)", [
      this.channels.cancel,
      JSON.stringify([runId, action]),
    ]);
  }

  /**
   * Claims a queued run for this replica: `runId`, or else the oldest queued one whose
   * thread predecessor has ended (`inOrder`; a cancel takes a run out of turn). Rows
   * another replica is claiming are skipped, not waited for (`FOR UPDATE SKIP LOCKED`),
   * so each queued run is claimed by exactly one replica.
   */
  async claim(runId?: string, inOrder = true): Promise<ClaimedRun | undefined> {
    const { rows } = await this.db.query<{ run_id: string; attempt: number; leg: string }>(
      `UPDATE ${this.t}.runs SET queued = false, owner = $1, attempt = attempt + 1
       WHERE run_id = (
         SELECT r.run_id FROM ${this.t}.runs r
         WHERE r.queued ${runId !== undefined ? "AND r.run_id = $2" : ""}
           ${inOrder ? `AND NOT EXISTS (SELECT 1 FROM ${this.t}.runs p WHERE p.run_id = r.after_run AND p.status = 'pending')` : ""}
         ORDER BY r.seq LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING run_id, attempt, leg`,
      runId !== undefined ? [this.id, runId] : [this.id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { runId: row.run_id, attempt: row.attempt, leg: JSON.parse(row.leg) as Leg };
  }

  /**
   * Finds the runs owned by replicas that died (their advisory lock is free) and
   * queues them again, so that a live replica takes them over; returns their ids.
   * Two replicas sweeping at once queue each run once: the update is conditional on
   * the dead owner.
   */
  async sweep(): Promise<string[]> {
    return this.db.withClient(async (client) => {
      const { rows } = await client.query<{ owner: number }>(
        `SELECT DISTINCT owner FROM ${this.t}.runs WHERE owner IS NOT NULL AND owner <> $1`,
        [this.id],
      );
      const requeued: string[] = [];
      for (const { owner } of rows) {
        const probe = await client.query<{ free: boolean }>(
          "SELECT pg_try_advisory_lock(hashtext($1), $2) AS free",
          [this.lockSpace, owner],
        );
        if (!probe.rows[0]?.free) continue;
        await client.query("SELECT pg_advisory_unlock(hashtext($1), $2)", [this.lockSpace, owner]);
        const taken = await client.query<{ run_id: string }>(
          `WITH queued AS (
             UPDATE ${this.t}.runs SET queued = true, owner = NULL
             WHERE owner = $1 RETURNING run_id)
           SELECT run_id, pg_notify($2, run_id) FROM queued`,
          [owner, this.channels.queue],
        );
        requeued.push(...taken.rows.map((r) => r.run_id));
      }
      return requeued;
    });
  }
}

/** The listeners of what replicas announce: run changes, cancel requests, queued runs. */
export class ReplicaNotices {
  readonly runs = new Map<string, Set<() => void>>();
  readonly cancel = new Set<(runId: string, action: CancelAction) => void>();
  readonly queue = new Set<() => void>();

  /** Calls `listener` at each change of the run until unsubscribed. */
  onRunChange(runId: string, listener: () => void): () => void {
    let set = this.runs.get(runId);
    if (!set) {
      set = new Set();
      this.runs.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.runs.delete(runId);
    };
  }

  /** Tells every run listener that its run may have changed (after notices were missed). */
  everyRunChanged(): void {
    for (const set of [...this.runs.values()]) for (const listener of [...set]) listener();
  }

  /** Hands a notification to the listeners of its channel. */
  dispatch(channels: PostgresReplica["channels"], n: Notification): void {
    const payload = n.payload ?? "";
    if (n.channel === channels.runs) {
      for (const listener of this.runs.get(payload) ?? []) listener();
    } else if (n.channel === channels.cancel) {
      const [runId, action] = JSON.parse(payload) as [string, CancelAction];
      for (const listener of this.cancel) listener(runId, action);
    } else if (n.channel === channels.queue) {
      for (const listener of this.queue) listener();
    }
  }
}
