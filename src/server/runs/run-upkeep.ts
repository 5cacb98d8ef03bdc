import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { messageOf } from "../../core/message-of.js";
import type { ACPServerLogger } from "../options.js";
import type { ServerStore } from "../stores/store.js";
import type { RunExecutions } from "./run-execution.js";
import { errorOutcome } from "./run-leg.js";
import { transition } from "./run-phase.js";
import type { RunRecords } from "./run-record.js";

/** What a run that was pending when its server stopped without closing ends with. */
const STOPPED_DESCRIPTION = "the server stopped while the run was executing";

/** How many records one recovery or purge step reads. */
const BATCH = 100;

/** What the upkeep of the stored runs needs from the run manager. */
export interface RunUpkeepDeps {
  store: ServerStore;
  saver: BaseCheckpointSaver;
  logger: ACPServerLogger;
  /** The runs executing in this process, which end the runs recovered. */
  executions: RunExecutions;
  /** Makes the records of the runs read from the store. */
  records: RunRecords;
  /** Finished runs older than this (ms since their last change) are deleted. Off when absent. */
  finishedRunTtlMs?: number;
  /** Aborts once the server shuts down. */
  shutdown: AbortSignal;
}

/**
 * The upkeep of the stored runs: what a crash left behind is cleaned up at start, and
 * finished runs past their time to live are purged in the background.
 */
export class RunUpkeep {
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RunUpkeepDeps) {}

  /**
   * Ends the runs that were pending when an earlier server on the same store stopped
   * without closing (a crash): they are in error, errcode 503, and free their threads.
   * A record that cannot be read or ended is logged and skipped. Then frees the
   * threads still claimed by runs that are not executing.
   */
  async recoverPending(): Promise<void> {
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
          const { status, output } = errorOutcome("error", stored.run_id, 503, STOPPED_DESCRIPTION);
          const record = this.deps.records.fromStored(stored);
          // The run is this process's to end: nothing executes it any more.
          record.phase = transition(record.phase, { type: "claim" });
          await this.deps.executions.finish(record, status, output);
        } catch (err) {
          skipped += 1;
          this.deps.logger.warn(`run ${stored.run_id} could not be recovered: ${messageOf(err)}`);
        }
      }
    }
    await this.releaseStaleClaims();
  }

  /** Deletes finished runs past `finishedRunTtlMs`, in the background, from time to time. */
  schedulePurge(): void {
    const ttl = this.deps.finishedRunTtlMs;
    if (ttl === undefined || this.deps.shutdown.aborted) return;
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

  /** Stops the next purge from starting. */
  stopPurge(): void {
    clearTimeout(this.purgeTimer);
  }

  /**
   * Frees threads still claimed by runs that are not executing: after a crash, the
   * claims of the runs it stopped. Called at start, when nothing executes yet.
   */
  private async releaseStaleClaims(): Promise<void> {
    const threads = this.deps.store.threads;
    let kept = 0;
    for (;;) {
      const busy = await threads.search({ status: "busy", limit: BATCH, offset: kept });
      if (busy.length === 0) return;
      for (const thread of busy) {
        const holder = thread.busy_run_id;
        if (holder === undefined || this.deps.executions.live.has(holder)) kept += 1;
        else if (!(await threads.release(thread.thread_id, holder))) kept += 1;
      }
    }
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
      if (purged.length < BATCH || this.deps.shutdown.aborted) return;
    }
  }
}
