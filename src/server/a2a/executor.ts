/**
 * The SDK's agent executor over the run manager. The run is started (or resumed)
 * before the SDK's handler calls the executor, so that a message the graph cannot take
 * is answered with the protocol's error rather than a failed task; the executor
 * announces the run's task and follows the run on the request's bus.
 */
import type { Message, Task } from "@a2a-js/sdk";
import { A2AError } from "@a2a-js/sdk/errors";
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
  type ServerCallContext,
} from "@a2a-js/sdk/server";
import type { RunRecord } from "../runs/run-record.js";
import type { AgentRuns } from "./agent-runs.js";
import { RunEventBus } from "./event-bus.js";
import { toTask } from "./task-view.js";

/** A run a request started or resumed, for the executor to follow. */
export interface StartedRun {
  record: RunRecord;
  /** The id of the run's last event before this request: the executor follows from there. */
  afterId: number;
}

/** A request's run, as its call context holds it. */
interface RequestRun extends StartedRun {
  /** Whether the request streams its task: its steps are published only then. */
  streaming: boolean;
}

/** The key of the started run in the request's call context. */
const STARTED_RUN = "agntcy-acp.started-run";

/**
 * Hands the run a request started to the executor the SDK calls for it, and to the task
 * store the SDK reads the run's task from while it answers the request.
 */
export function setStartedRun(
  context: ServerCallContext,
  started: StartedRun,
  streaming: boolean,
): void {
  const run: RequestRun = { ...started, streaming };
  context.state.set(STARTED_RUN, run);
}

/**
 * The run of task `taskId` when the request of `context` started or resumed it: the
 * record the run manager keeps up to date, read without the store.
 */
export function requestRunOf(
  context: ServerCallContext | undefined,
  taskId: string,
): RunRecord | undefined {
  const run = context?.state.get(STARTED_RUN) as RequestRun | undefined;
  return run?.record.run_id === taskId ? run.record : undefined;
}

/** The run of a request, set by {@link setStartedRun}. */
function startedRun(context: ServerCallContext): RequestRun {
  const started = context.state.get(STARTED_RUN) as RequestRun | undefined;
  if (!started) throw new A2AError("the request reached the executor without a run");
  return started;
}

/** Follows runs as tasks: each request's run on its bus, and cancels through the run manager. */
export class RunExecutor implements AgentExecutor {
  constructor(private readonly agentRuns: AgentRuns) {}

  /**
   * Publishes the run's task (with the user's message), then the run as it goes: each
   * step when the request streams, else only its end (see `AgentRuns.follow`).
   */
  execute = async (context: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const { record, afterId, streaming } = startedRun(context.context);
    const task: Task = toTask(record);
    const ids = { taskId: task.id, contextId: task.contextId };
    const userMessage: Message = { ...context.userMessage, ...ids };
    task.history = [userMessage, ...task.history];
    bus.publish(AgentEvent.task(task));
    // The run goes on when the request's client leaves. The bus hears of it only once its
    // last listener left (the SDK's state tracker listens until this returns), so a
    // stream whose client left is followed here to the run's end or the server's close.
    const signal = bus instanceof RunEventBus ? bus.unheard : new AbortController().signal;
    await this.agentRuns.follow(record, bus, afterId, signal, streaming);
  };

  /**
   * Cancels the task's run wherever it executes and waits until it has stopped; the
   * request's bus, fed from the run, shows it end.
   */
  cancelTask = async (taskId: string): Promise<void> => {
    const record = await this.agentRuns.find(taskId);
    if (record) await this.agentRuns.runs.cancel(record, true, "interrupt");
  };
}
