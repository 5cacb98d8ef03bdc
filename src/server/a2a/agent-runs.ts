/**
 * One agent's runs as the A2A side reaches them: found by task id, and followed onto
 * an event bus. Everything goes through the run manager's public operations (get,
 * caught-up events, wait, cancel) and a run's event log, read as the ACP streams read
 * it, so it works the same on every store and on any replica, whichever one executes
 * the run.
 */
import { AgentEvent, type ExecutionEventBus } from "@a2a-js/sdk/server";
import { isUuid } from "../../core/json-guards.js";
import { isLangGraphStreamUpdate } from "../../core/langgraph-stream.js";
import { messageOf } from "../../core/message-of.js";
import { RunNotFoundError, ServerClosingError, StoreUnavailableError } from "../errors.js";
import type { ACPServerLogger } from "../options.js";
import type { RunRecord } from "../runs/run-record.js";
import type { RunManager } from "../runs/runs.js";
import type { RunEventData, RunStore } from "../stores/store.js";
import {
  agentMessage,
  contextOf,
  dataPart,
  statusOf,
  tokensArtifact,
  tokenText,
  valuesArtifact,
} from "./task-view.js";

/** What following runs needs. */
export interface AgentRunsDeps {
  runs: RunManager;
  /** Where runs are stored: read for a run's thread and agent, which never change. */
  store: RunStore;
  /** Aborts when the server closes: every stream it feeds ends. */
  closing: AbortSignal;
  logger: ACPServerLogger;
}

/**
 * A signal that aborts with any of `signals`; disposed after use, so that a long-lived
 * signal (the server's) does not keep every follower it ever served.
 */
function eitherSignal(signals: AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  for (const s of signals) {
    if (s.aborted) controller.abort();
    else s.addEventListener("abort", abort, { once: true });
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of signals) s.removeEventListener("abort", abort);
    },
  };
}

/** The runs of one agent, by task id. */
export class AgentRuns {
  constructor(
    private readonly deps: AgentRunsDeps,
    /** The agent whose runs these are; another agent's run is no task of this one. */
    readonly agentId: string,
  ) {}

  /** The run manager. */
  get runs(): RunManager {
    return this.deps.runs;
  }

  /** The run of a task of this agent, or undefined. */
  async find(taskId: string): Promise<RunRecord | undefined> {
    // Run ids are UUIDs: nothing else is looked up.
    if (!isUuid(taskId)) return undefined;
    const stored = await this.deps.store.get(taskId);
    if (!stored || stored.agent_id !== this.agentId) return undefined;
    try {
      return stored.thread_id === undefined
        ? await this.deps.runs.getStateless(taskId)
        : await this.deps.runs.getThreadRun(stored.thread_id, taskId);
    } catch (err) {
      if (err instanceof RunNotFoundError) return undefined;
      throw err;
    }
  }

  /** The id of the last event the run has now, wherever it executes: a follower's start. */
  async lastEventId(record: RunRecord): Promise<number> {
    return (await this.deps.runs.caughtUp(record)).events.size;
  }

  /**
   * Publishes the run on `bus` from event `afterId` on: each step's values as the
   * output artifact, each token of its model (when the run asked for them) appended to
   * the token artifact, each custom update as a working status with its data, then the
   * run's end (the final artifact, and the status it stopped in). The bus finishes
   * after; it finishes without an end when `signal` aborts or the server closes, or
   * when this replica can no longer tell the end (it shuts down, or the store is away).
   *
   * Without `steps`, only the status the run stopped in is published: a request that
   * does not stream answers with the task as the run ended, which the SDK reads (with
   * its output artifact) from the task store at that event; the events before would be
   * read, merged and dropped for nothing.
   */
  async follow(
    record: RunRecord,
    bus: ExecutionEventBus,
    afterId: number,
    signal: AbortSignal,
    steps = true,
  ): Promise<void> {
    const stop = eitherSignal([signal, this.deps.closing]);
    const runs = this.deps.runs;
    try {
      if (steps) {
        const isOpen = () => record.status === "pending" && !runs.closed;
        for await (const event of record.events.read(afterId, isOpen, stop.signal)) {
          this.publishStep(record, event.data, bus);
        }
      }
      await runs.wait(record, stop.signal);
      if (stop.signal.aborted || record.status === "pending") return;
      if (steps) this.publishEnd(record, bus);
      else bus.publish(AgentEvent.statusUpdate(this.endStatus(record)));
    } catch (err) {
      if (!(err instanceof ServerClosingError || err instanceof StoreUnavailableError)) throw err;
    } finally {
      stop.dispose();
      bus.finished();
    }
  }

  /**
   * Feeds `bus` from the run of `taskId`, in the background: a run under way from its
   * next event on, one that stopped with the status it stopped in.
   */
  followInBackground(taskId: string, bus: ExecutionEventBus & { unheard: AbortSignal }): void {
    void (async () => {
      const record = await this.find(taskId);
      if (!record) return bus.finished();
      if (record.status !== "pending") {
        this.publishEnd(record, bus);
        return bus.finished();
      }
      await this.follow(record, bus, await this.lastEventId(record), bus.unheard);
    })().catch((err: unknown) => {
      this.deps.logger.warn(`A2A task ${taskId}: following its run failed: ${messageOf(err)}`);
      bus.finished();
    });
  }

  /** One event of the run while it is under way; its end is published from its record. */
  private publishStep(record: RunRecord, data: RunEventData, bus: ExecutionEventBus): void {
    if (data.status !== "pending") return;
    const ids = { taskId: record.run_id, contextId: contextOf(record) };
    if (data.type === "values") {
      bus.publish(
        AgentEvent.artifactUpdate({
          ...ids,
          artifact: valuesArtifact(data.values),
          append: false,
          lastChunk: false,
          metadata: undefined,
        }),
      );
    } else if (data.type === "custom" && isLangGraphStreamUpdate(data.update)) {
      // Only the model's tokens are asked for (by a streaming request): the token artifact.
      const text = data.update.langgraph === "messages" ? tokenText(data.update) : undefined;
      if (text) {
        bus.publish(
          AgentEvent.artifactUpdate({
            ...ids,
            artifact: tokensArtifact(text),
            append: true,
            lastChunk: false,
            metadata: undefined,
          }),
        );
      }
    } else if (data.type === "custom") {
      const message = agentMessage(ids.taskId, ids.contextId, [dataPart(data.update)]);
      bus.publish(
        AgentEvent.statusUpdate({
          ...ids,
          status: { ...statusOf(record), message },
          metadata: undefined,
        }),
      );
    }
  }

  /** The end of a run that stopped: its output artifact, then its status. */
  private publishEnd(record: RunRecord, bus: ExecutionEventBus): void {
    const ids = { taskId: record.run_id, contextId: contextOf(record) };
    if (record.status === "success" && record.output?.type === "result") {
      bus.publish(
        AgentEvent.artifactUpdate({
          ...ids,
          artifact: valuesArtifact(record.output.values),
          append: false,
          lastChunk: true,
          metadata: undefined,
        }),
      );
    }
    bus.publish(AgentEvent.statusUpdate(this.endStatus(record)));
  }

  /** The status update of the run's end. */
  private endStatus(record: RunRecord) {
    const ids = { taskId: record.run_id, contextId: contextOf(record) };
    return { ...ids, status: statusOf(record), metadata: undefined };
  }
}
