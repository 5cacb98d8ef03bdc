/**
 * One agent's A2A request handler: the SDK's `DefaultRequestHandler` over the run
 * manager (its task store, executor and event buses are this folder's), with the
 * mapping it cannot know in front of it. A message is turned into a run before the SDK
 * handles it: a new task is a new run (on the thread its context names, for an agent
 * with threads), a message to an `input-required` task resumes its run, and whatever
 * the graph cannot take is refused with the protocol's error.
 */
import type {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  Message,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from "@a2a-js/sdk";
import { TaskState } from "@a2a-js/sdk";
import {
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from "@a2a-js/sdk/errors";
import {
  type A2ARequestHandler,
  DefaultRequestHandler,
  type PushNotificationSender,
  type ServerCallContext,
} from "@a2a-js/sdk/server";
import { isRecord } from "../../core/json-guards.js";
import { LANGGRAPH_STREAM_KEY } from "../../core/langgraph-stream.js";
import type { RegisteredAgent } from "../agents.js";
import type { ACPServerLogger } from "../options.js";
import { isThreadId } from "../runs/threads.js";
import type { RunStore } from "../stores/store.js";
import type { WebhookNotifier } from "../webhooks/notifier.js";
import type { AgentRuns } from "./agent-runs.js";
import { toA2AError } from "./errors.js";
import { RunBusManager } from "./event-bus.js";
import { RunExecutor, type StartedRun, setStartedRun } from "./executor.js";
import { inputOf, resumeValueOf } from "./message-input.js";
import { configRefusal, type RunPushNotificationStore } from "./push-configs.js";
import type { PushDeliveries } from "./push-delivery.js";
import { checkHistoryLength, checkTimestamp } from "./request-checks.js";
import { RunTaskStore } from "./task-store.js";
import { CONTEXT_METADATA_KEY, contextOf, stateOf, toTask } from "./task-view.js";

/** What one agent's handler needs. */
export interface AgentRequestHandlerDeps {
  agent: RegisteredAgent;
  agentRuns: AgentRuns;
  /** The agent's card; its capabilities decide what the SDK offers (streaming). */
  card: AgentCard;
  /** Where runs are stored, for listing tasks. */
  store: RunStore;
  /** Push notifications, when the server sends them (its card says so). */
  push?: AgentPush;
  logger: ACPServerLogger;
}

/** What sending push notifications takes. */
export interface AgentPush {
  /** Where configs are kept. */
  store: RunPushNotificationStore;
  /** What sends them, on each change of a task's run. */
  deliveries: PushDeliveries;
  /** Checks the URLs of configs. */
  webhooks: WebhookNotifier<unknown>;
}

/**
 * The SDK's sender, which would send from the request that follows a task: the
 * notifications are sent by the process that executes the run instead
 * ({@link PushDeliveries}), whoever follows it.
 */
const sentElsewhere: PushNotificationSender = { send: async () => undefined };

const stateNames: Partial<Record<TaskState, string>> = {
  [TaskState.TASK_STATE_WORKING]: "working",
  [TaskState.TASK_STATE_COMPLETED]: "completed",
  [TaskState.TASK_STATE_FAILED]: "failed",
  [TaskState.TASK_STATE_CANCELED]: "canceled",
};

/** The handler of one agent's A2A requests. */
export class AgentRequestHandler implements A2ARequestHandler {
  private readonly inner: DefaultRequestHandler;
  private readonly threads: boolean;

  constructor(private readonly deps: AgentRequestHandlerDeps) {
    const { agentRuns, card } = deps;
    this.threads = deps.agent.descriptor.specs.capabilities.threads === true;
    this.inner = new DefaultRequestHandler(
      card,
      new RunTaskStore(agentRuns, deps.store, this.threads),
      new RunExecutor(agentRuns),
      new RunBusManager((taskId, bus) => agentRuns.followInBackground(taskId, bus)),
      deps.push?.store,
      deps.push ? sentElsewhere : undefined,
      undefined,
      undefined,
      // The buses are fed from the runs and kept by nobody: always let them go.
      { keepBusAliveStates: [] },
    );
  }

  /** The agent's card. */
  getAgentCard(): Promise<AgentCard> {
    return this.inner.getAgentCard();
  }

  /** Refused: the agent has no extended card. */
  getAuthenticatedExtendedAgentCard(
    params: GetExtendedAgentCardRequest,
    context: ServerCallContext,
  ): Promise<AgentCard> {
    return this.guard(() => this.inner.getAuthenticatedExtendedAgentCard(params, context));
  }

  /** Starts or resumes the message's run, and answers as the SDK does (blocking by default). */
  sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    return this.guard(async () => {
      const resolved = await this.start(params, context, false);
      return this.inner.sendMessage(resolved, context);
    });
  }

  /** Starts or resumes the message's run and streams its task until it stops. */
  async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    if (this.deps.card.capabilities?.streaming !== true) {
      throw new UnsupportedOperationError(
        `agent ${this.deps.card.name} does not stream: its descriptor declares no streaming mode`,
      );
    }
    const resolved = await this.guard(() => this.start(params, context, true));
    yield* this.guardStream(this.inner.sendMessageStream(resolved, context));
  }

  /** The task of a run. */
  getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.guard(async () => {
      checkHistoryLength(params.historyLength, "historyLength");
      return this.inner.getTask(params, context);
    });
  }

  /** The agent's tasks, most recently updated first. */
  listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return this.guard(async () => {
      checkHistoryLength(params.historyLength, "historyLength");
      checkTimestamp(params.statusTimestampAfter, "statusTimestampAfter");
      return this.inner.listTasks(params, context);
    });
  }

  /**
   * Cancels a task's run, wherever it executes. A task waiting for input executes
   * nothing: its run is ended here and the task answered at once; the SDK cancels the
   * others, following the run on a bus until it has stopped.
   */
  cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.guard(async () => {
      const record = await this.deps.agentRuns.find(params.id);
      if (record && stateOf(record) === TaskState.TASK_STATE_INPUT_REQUIRED) {
        await this.deps.agentRuns.runs.cancel(record, true, "interrupt");
        if (stateOf(record) === TaskState.TASK_STATE_CANCELED) return toTask(record);
      }
      return this.inner.cancelTask(params, context);
    });
  }

  /** Keeps a push notification config of a task (refused when the server sends none). */
  createTaskPushNotificationConfig(
    params: TaskPushNotificationConfig,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    return this.guard(() => this.inner.createTaskPushNotificationConfig(params, context));
  }

  /** One push notification config of a task. */
  getTaskPushNotificationConfig(
    params: GetTaskPushNotificationConfigRequest,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    return this.guard(() => this.inner.getTaskPushNotificationConfig(params, context));
  }

  /** The push notification configs of a task. */
  listTaskPushNotificationConfigs(
    params: ListTaskPushNotificationConfigsRequest,
    context: ServerCallContext,
  ): Promise<ListTaskPushNotificationConfigsResponse> {
    return this.guard(() => this.inner.listTaskPushNotificationConfigs(params, context));
  }

  /** Deletes a push notification config of a task. */
  deleteTaskPushNotificationConfig(
    params: DeleteTaskPushNotificationConfigRequest,
    context: ServerCallContext,
  ): Promise<void> {
    return this.guard(() => this.inner.deleteTaskPushNotificationConfig(params, context));
  }

  /** Streams a task under way from now until it stops, wherever its run executes. */
  async *resubscribe(
    params: SubscribeToTaskRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    yield* this.guardStream(this.inner.resubscribe(params, context));
  }

  /**
   * Turns the message into a run (see the file comment) and hands it to the executor
   * through the call context. The request the SDK then handles names the run's
   * context and no task: the SDK's own checks of a named task were made here, against
   * the run, and the run may already have ended by the time the SDK would look.
   */
  private async start(
    params: SendMessageRequest,
    context: ServerCallContext,
    streaming: boolean,
  ): Promise<SendMessageRequest> {
    const message = params.message;
    if (!message) throw new RequestMalformedError("request.message is required");
    checkHistoryLength(params.configuration?.historyLength, "configuration.historyLength");
    if (!message.messageId) throw new RequestMalformedError("message.messageId is required");
    const pushConfig = params.configuration?.taskPushNotificationConfig;
    const push = this.deps.push;
    if (pushConfig && !push) {
      throw new PushNotificationNotSupportedError(
        "this agent sends no push notifications: poll the task or subscribe to it",
      );
    }
    if (pushConfig && push) {
      const refusal = configRefusal(
        pushConfig,
        "configuration.taskPushNotificationConfig",
        push.webhooks,
      );
      if (refusal) throw new RequestMalformedError(refusal);
    }
    // Kept here, under the run's id (the SDK would keep it under a task id of its own):
    // before a resume, so that a config refused leaves the task as it was; after a new
    // run is created, which gives the id.
    const config = pushConfig && push ? structuredClone(pushConfig) : undefined;
    const keep = async (runId: string) => {
      if (config && push) await push.store.save(runId, context, config);
    };
    const started = message.taskId
      ? await this.resume(message, keep)
      : await this.create(params, message, streaming);
    if (config && push) {
      if (!message.taskId) await keep(started.record.run_id);
      // The run told of its start (or resume) before the config was there.
      push.deliveries.sendCurrent(started.record, config);
    }
    setStartedRun(context, started, streaming);
    const configuration = params.configuration
      ? { ...params.configuration, taskPushNotificationConfig: undefined }
      : undefined;
    return {
      ...params,
      configuration,
      message: { ...message, taskId: "", contextId: contextOf(started.record) },
    };
  }

  /**
   * Resumes the `input-required` task a message answers; `beforeResume` is awaited once
   * the task is known to take the message, before its run goes on.
   */
  private async resume(
    message: Message,
    beforeResume: (runId: string) => Promise<void>,
  ): Promise<StartedRun> {
    const { agentRuns } = this.deps;
    const record = await agentRuns.find(message.taskId);
    if (!record) throw new TaskNotFoundError(`task ${message.taskId} not found`);
    const state = stateOf(record);
    if (state !== TaskState.TASK_STATE_INPUT_REQUIRED) {
      throw new UnsupportedOperationError(
        `task ${record.run_id} is ${stateNames[state] ?? "not waiting"}, not input-required: only an input-required task takes a message`,
      );
    }
    if (message.contextId && message.contextId !== contextOf(record)) {
      throw new RequestMalformedError(
        `contextId ${message.contextId} is not the context of task ${record.run_id} (${contextOf(record)})`,
      );
    }
    const value = resumeValueOf(message);
    await beforeResume(record.run_id);
    const afterId = await agentRuns.lastEventId(record);
    return { record: await agentRuns.runs.resume(record, value), afterId };
  }

  /**
   * Starts a run for a new task: on the thread the context names (a new one without a
   * context) for an agent with threads, else a stateless run that keeps its context.
   */
  private async create(
    params: SendMessageRequest,
    message: Message,
    streaming: boolean,
  ): Promise<StartedRun> {
    const { agent, agentRuns } = this.deps;
    const input = inputOf(agent, message);
    const metadata = {
      ...(isRecord(params.metadata) ? params.metadata : {}),
      ...(isRecord(message.metadata) ? message.metadata : {}),
    };
    const common = {
      agent_id: agent.agentId,
      input,
      // A task goes on when its client goes away; it can be read or subscribed to again.
      on_disconnect: "continue" as const,
      // A stream of an agent that streams LangGraph's modes carries its model's tokens.
      ...(streaming && agent.streamLangGraph
        ? { config: { configurable: { [LANGGRAPH_STREAM_KEY]: ["messages"] } } }
        : {}),
    };
    const runs = agentRuns.runs;
    // A context names a thread, or is kept with a stateless run: either way it has a thread id's form.
    if (message.contextId && !isThreadId(message.contextId)) {
      throw new RequestMalformedError(
        "contextId must be a UUID or 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit",
      );
    }
    if (this.threads) {
      const threadId = message.contextId || crypto.randomUUID();
      const body = { ...common, metadata, if_not_exists: "create" as const };
      return { record: await runs.createStateful(threadId, body, streaming), afterId: 0 };
    }
    if (message.contextId) metadata[CONTEXT_METADATA_KEY] = message.contextId;
    return { record: await runs.createStateless({ ...common, metadata }, streaming), afterId: 0 };
  }

  /** Runs a call, giving any error it throws as an A2A error. */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw toA2AError(err, this.deps.logger);
    }
  }

  /** Streams a generator, giving any error it throws as an A2A error. */
  private async *guardStream<T>(
    stream: AsyncGenerator<T, void, undefined>,
  ): AsyncGenerator<T, void, undefined> {
    try {
      yield* stream;
    } catch (err) {
      throw toA2AError(err, this.deps.logger);
    }
  }
}
