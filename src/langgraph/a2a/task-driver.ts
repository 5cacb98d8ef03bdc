/**
 * One execution of an A2ANode: find or start the remote task, follow it, turn each
 * `input-required` into a LangGraph interrupt of the parent graph, and send the
 * answers to the same task.
 *
 * How a resume finds the same task: LangGraph runs an interrupted node again from its
 * start, as the same task, with the answers recorded so far. Every message the node
 * starts a task with carries a tag of the parent's thread and the task's checkpoint
 * namespace (see `task-identity.ts`), which the re-run computes again. The node keeps
 * tag -> task id in memory; after a restart it asks the agent for the tasks of the
 * node's context that wait for input (`ListTasks`; in any state once answers were
 * sent) and takes the newest whose first message carries the tag. The answers LangGraph replays by order are matched by count
 * (see `task-answers.ts`): the ones recorded before this execution were sent already.
 */
import type { ListTasksResponse, Message, StreamResponse, Task } from "@a2a-js/sdk";
import { TaskState } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { AIMessageChunk } from "@langchain/core/messages";
import { interrupt, isGraphInterrupt } from "@langchain/langgraph";
import { A2A_TOKENS_ARTIFACT_ID } from "../../core/langgraph-stream.js";
import { messageOf } from "../../core/message-of.js";
import { SecretRedactor } from "../../core/redact.js";
import type { RemoteModelTokens } from "../remote-tokens.js";
import { A2AInterruptError, A2AProtocolError, A2ATaskError } from "./errors.js";
import { clientFailure, isUnsupportedOperation } from "./failures.js";
import { isMessage, textOf, userMessage, valueOfParts } from "./parts.js";

/** The metadata key of the first message of a task, under which the parent task's tag goes. */
export const A2A_TASK_TAG_KEY = "agntcy_acp_task";

/** What A2ANode writes to the parent graph's custom stream for each remote event. */
export interface A2ANodeStreamEvent {
  /** The node that forwarded the event. */
  node: string;
  /** The event as the SDK read it. */
  event: StreamResponse;
}

/** What a node remembers between executions, in this process only. */
export interface TaskMemory {
  /** Tag -> id of the tasks this node started and that have not ended. */
  knownTasks: Map<string, string>;
  /** Set once the agent answered that it does not serve `ListTasks`. */
  listTasksUnsupported: boolean;
}

/** What one execution needs to know. */
export interface TaskDriverOptions {
  node: string;
  client: Client;
  /** Credentials to hide in error messages; read at each error, as it may grow. */
  secrets: ReadonlySet<string>;
  /** The A2A context of this node on the parent's thread; undefined when the parent has none. */
  contextId: string | undefined;
  /** The tag of this parent task, when the parent can be resumed. */
  tag: string | undefined;
  /** Whether to stream (the card says `streaming`). */
  streaming: boolean;
  /** How many interrupts of this task LangGraph answered in earlier executions. */
  answersGiven: number;
  signal: AbortSignal | undefined;
  writer: ((chunk: unknown) => void) | undefined;
  /** What the node remembers between executions. */
  memory: TaskMemory;
  /** The most `ListTasks` pages read when looking for a task after a restart. */
  maxTaskListPages: number;
  /** How long the cancel request sent after an abort may take, in ms. */
  cancelTimeout: number;
  /** How many times a task's stream that ended before the task stopped is joined again. */
  maxResubscribes: number;
  /**
   * Where the model tokens the agent streams go (the parent's `messages` stream and
   * `streamEvents`); undefined when the parent's stream does not show them.
   */
  tokens: RemoteModelTokens | undefined;
}

const FAILED_STATES = new Map<TaskState, A2ATaskError["state"]>([
  [TaskState.TASK_STATE_FAILED, "failed"],
  [TaskState.TASK_STATE_REJECTED, "rejected"],
  [TaskState.TASK_STATE_CANCELED, "canceled"],
  [TaskState.TASK_STATE_AUTH_REQUIRED, "auth-required"],
]);

/** Drives the remote task of one node execution to its result. */
export class TaskDriver {
  private taskId: string | undefined;
  private skip: number;
  private resubscribes = 0;
  private cancelling: Promise<void> | undefined;

  constructor(private readonly options: TaskDriverOptions) {
    this.skip = options.answersGiven;
  }

  /** The task's final result (a completed task, or the agent's direct reply). */
  async execute(input: unknown): Promise<Task | Message> {
    const { signal } = this.options;
    const onAbort = () => {
      this.cancelling ??= this.cancelRemote();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      let result = (await this.recover()) ?? (await this.start(input));
      for (;;) {
        if (isMessage(result)) return result;
        const state = result.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
        if (state === TaskState.TASK_STATE_COMPLETED) return this.done(result);
        const failed = FAILED_STATES.get(state);
        if (failed !== undefined) {
          this.done(result);
          throw new A2ATaskError(
            this.options.node,
            failed,
            result.id,
            result.contextId,
            textOf(result.status?.message),
          );
        }
        if (state === TaskState.TASK_STATE_INPUT_REQUIRED) {
          const answer = this.ask(result);
          result = await this.send(answer, result);
        } else {
          result = await this.follow(result);
        }
      }
    } catch (err) {
      if (signal?.aborted) await this.cancelling;
      throw err;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  private done<T extends Task>(task: T): T {
    if (this.options.tag !== undefined) this.options.memory.knownTasks.delete(this.options.tag);
    return task;
  }

  /** This parent task's remote task from an earlier execution, if there is one to go on with. */
  private async recover(): Promise<Task | undefined> {
    const { tag } = this.options;
    if (tag === undefined) return undefined;
    const { signal } = this.options;
    // Tasks that wait for input are few, so they are looked at first; once answers
    // were sent a task must exist, and it may be under way or over, so any state does.
    const id =
      this.options.memory.knownTasks.get(tag) ??
      (await this.findTagged(TaskState.TASK_STATE_INPUT_REQUIRED, () => true, signal)) ??
      (this.skip > 0
        ? await this.findTagged(TaskState.TASK_STATE_UNSPECIFIED, () => true, signal)
        : undefined);
    if (id === undefined) {
      if (this.skip > 0) {
        throw new A2AProtocolError(
          this.options.node,
          "the remote A2A task this node was answering is no longer known to the agent",
        );
      }
      return undefined;
    }
    const task = await this.call("GetTask", () =>
      this.options.client.getTask({ tenant: "", id }, this.requestOptions()),
    );
    this.taskId = task.id;
    const state = task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
    // A task that ended badly before any answer was sent is left behind: a retry of
    // the node starts a new one.
    if (this.skip === 0 && FAILED_STATES.has(state)) {
      this.taskId = undefined;
      this.options.memory.knownTasks.delete(tag);
      return undefined;
    }
    return task;
  }

  /**
   * The id of the newest task of this context in `status` (any state for
   * `TASK_STATE_UNSPECIFIED`) whose first message carries the tag and that `accept`
   * takes.
   */
  private async findTagged(
    status: TaskState,
    accept: (task: Task) => boolean,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const { contextId, tag, memory } = this.options;
    if (contextId === undefined || tag === undefined || memory.listTasksUnsupported) {
      return undefined;
    }
    let pageToken = "";
    for (let page = 0; page < this.options.maxTaskListPages; page++) {
      let list: ListTasksResponse;
      try {
        list = await this.options.client.listTasks(
          { tenant: "", contextId, status, pageToken, statusTimestampAfter: undefined },
          signal ? { signal } : {},
        );
      } catch (err) {
        // An agent without ListTasks only loses the finding of tasks after a restart.
        if (!isUnsupportedOperation(err)) throw this.failure(err, "ListTasks");
        memory.listTasksUnsupported = true;
        return undefined;
      }
      const found = list.tasks.find((task) => taggedWith(task, tag) && accept(task));
      if (found) return found.id;
      if (!list.nextPageToken) return undefined;
      pageToken = list.nextPageToken;
    }
    return undefined;
  }

  private start(input: unknown): Promise<Task | Message> {
    const { tag, contextId } = this.options;
    return this.sendMessage(
      userMessage({
        value: input,
        contextId,
        taskId: undefined,
        metadata: tag === undefined ? undefined : { [A2A_TASK_TAG_KEY]: tag },
      }),
    );
  }

  /** Sends the answer to an input-required task and follows the task to its next stop. */
  private send(answer: unknown, task: Task): Promise<Task | Message> {
    return this.sendMessage(
      userMessage({
        value: answer,
        contextId: task.contextId,
        taskId: task.id,
        metadata: undefined,
      }),
    );
  }

  private async sendMessage(message: Message): Promise<Task | Message> {
    const request = { tenant: "", message, configuration: undefined, metadata: undefined };
    if (!this.options.streaming) {
      const result = await this.call("SendMessage", () =>
        this.options.client.sendMessage(request, this.requestOptions()),
      );
      if (!isMessage(result)) this.remember(result.id);
      return result;
    }
    return this.consume("SendStreamingMessage", () =>
      this.options.client.sendMessageStream(request, this.requestOptions()),
    );
  }

  /** Follows a task that is still under way, through its stream. */
  private follow(task: Task): Promise<Task | Message> {
    if (!this.options.streaming) {
      throw new A2AProtocolError(
        this.options.node,
        `the remote A2A task ${task.id} is still under way, and its agent does not stream: the node cannot wait for it`,
      );
    }
    if (this.resubscribes >= this.options.maxResubscribes) {
      throw new A2AProtocolError(
        this.options.node,
        `the stream of the remote A2A task ${task.id} ended ${this.resubscribes + 1} times before the task stopped (maxResubscribes: ${this.options.maxResubscribes})`,
      );
    }
    this.resubscribes += 1;
    return this.consume("SubscribeToTask", () =>
      this.options.client.resubscribeTask({ tenant: "", id: task.id }, this.requestOptions()),
    );
  }

  /**
   * Reads a stream to its end, forwarding each event to the parent's custom stream,
   * and returns the task as the events left it (or the agent's direct reply).
   */
  private async consume(
    operation: string,
    open: () => AsyncGenerator<StreamResponse, void, undefined>,
  ): Promise<Task | Message> {
    const tracked = new TrackedTask();
    try {
      for await (const event of open()) {
        this.options.writer?.({ node: this.options.node, event } satisfies A2ANodeStreamEvent);
        await this.forwardTokens(event);
        tracked.apply(event);
        if (tracked.task && this.taskId === undefined) this.remember(tracked.task.id);
      }
    } catch (err) {
      throw this.failure(err, operation);
    } finally {
      await this.options.tokens?.end();
    }
    const result = tracked.message ?? tracked.task;
    if (!result) {
      throw new A2AProtocolError(this.options.node, `${operation}: the stream ended with no task`);
    }
    return result;
  }

  /**
   * Hands the text parts of an update of the task's tokens artifact to the parent as
   * the chunks of one model message of the task, attributed to this node.
   */
  private async forwardTokens(event: StreamResponse): Promise<void> {
    const tokens = this.options.tokens;
    const payload = event.payload;
    if (!tokens || payload?.$case !== "artifactUpdate") return;
    const { artifact, taskId } = payload.value;
    if (artifact?.artifactId !== A2A_TOKENS_ARTIFACT_ID) return;
    for (const part of artifact.parts) {
      if (part.content?.$case !== "text") continue;
      const message = new AIMessageChunk({ content: part.content.value, id: `a2a-${taskId}` });
      await tokens.push(message, { a2a_task_id: taskId });
    }
  }

  private remember(taskId: string): void {
    this.taskId = taskId;
    if (this.options.tag !== undefined)
      this.options.memory.knownTasks.set(this.options.tag, taskId);
  }

  /**
   * Asks the parent graph for the answer to an input request. The answers LangGraph
   * recorded before this execution were sent already; they are taken off first.
   */
  private ask(task: Task): unknown {
    const payload = valueOfParts([task.status?.message?.parts ?? []]) ?? null;
    try {
      for (; this.skip > 0; this.skip -= 1) interrupt(payload);
      return interrupt(payload);
    } catch (err) {
      if (isGraphInterrupt(err)) throw err;
      this.cancelling ??= this.cancelRemote();
      throw new A2AInterruptError(this.options.node, task.id, messageOf(err));
    }
  }

  /**
   * Stops the remote task after the parent aborted; best effort, never throws. A task
   * whose id is not known yet (a blocking send) is looked for by its tag, which needs
   * the parent's thread.
   */
  private async cancelRemote(): Promise<void> {
    // The parent's signal is spent: these requests have a time limit of their own.
    const signal = AbortSignal.timeout(this.options.cancelTimeout);
    const id =
      this.taskId ??
      (await this.findTagged(TaskState.TASK_STATE_UNSPECIFIED, isUnderWay, signal).catch(
        () => undefined,
      ));
    if (id === undefined) return;
    await this.options.client
      .cancelTask({ tenant: "", id, metadata: undefined }, { signal })
      .catch(() => undefined);
  }

  private requestOptions(): { signal?: AbortSignal } {
    return this.options.signal ? { signal: this.options.signal } : {};
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.failure(err, operation);
    }
  }

  private failure(err: unknown, operation: string): Error {
    return clientFailure(
      err,
      `node "${this.options.node}"`,
      operation,
      new SecretRedactor(this.options.secrets),
      this.options.signal,
    );
  }
}

/** Whether the task has not ended. */
function isUnderWay(task: Task): boolean {
  const state = task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
  return (
    state === TaskState.TASK_STATE_SUBMITTED ||
    state === TaskState.TASK_STATE_WORKING ||
    state === TaskState.TASK_STATE_INPUT_REQUIRED ||
    state === TaskState.TASK_STATE_AUTH_REQUIRED
  );
}

/** Whether the task was started by a message (or carries metadata) with the tag. */
function taggedWith(task: Task, tag: string): boolean {
  if (task.metadata?.[A2A_TASK_TAG_KEY] === tag) return true;
  return task.history.some((message) => message.metadata?.[A2A_TASK_TAG_KEY] === tag);
}

/** A task as the events of a stream build it up. */
class TrackedTask {
  task: Task | undefined;
  message: Message | undefined;

  apply(event: StreamResponse): void {
    const payload = event.payload;
    switch (payload?.$case) {
      case "task":
        this.task = { ...payload.value, artifacts: [...payload.value.artifacts] };
        return;
      case "message":
        this.message = payload.value;
        return;
      case "statusUpdate":
        this.taskOf(payload.value).status = payload.value.status;
        return;
      case "artifactUpdate": {
        const { artifact, append } = payload.value;
        if (!artifact) return;
        const task = this.taskOf(payload.value);
        const index = task.artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
        const known = index >= 0 ? task.artifacts[index] : undefined;
        const next =
          append && known ? { ...known, parts: [...known.parts, ...artifact.parts] } : artifact;
        if (index >= 0) task.artifacts[index] = next;
        else task.artifacts.push(next);
        return;
      }
      default:
        return;
    }
  }

  /** The task an update is about; started from the update when no task event came first. */
  private taskOf(update: { taskId: string; contextId: string }): Task {
    this.task ??= {
      id: update.taskId,
      contextId: update.contextId,
      status: undefined,
      artifacts: [],
      history: [],
      metadata: undefined,
    };
    return this.task;
  }
}
