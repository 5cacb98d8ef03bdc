/**
 * The errors of A2ANode: a remote task that ended badly, and the failures of the
 * exchange with the agent, the SDK's own errors kept as their `cause`.
 */
import { OpenApiException } from "../../core/errors.js";

/** The task states that end a task without a result. */
export type A2AFailedState = "failed" | "rejected" | "canceled" | "auth-required";

/**
 * The remote agent's task ended `failed`, `rejected` or `canceled` (or asks for
 * credentials, which a node cannot give). `agentMessage` is the text the agent
 * gave with that state, when it gave one.
 */
export class A2ATaskError extends OpenApiException {
  override name = "A2ATaskError";

  constructor(
    /** The node whose agent ran the task. */
    readonly node: string,
    /** How the task ended. */
    readonly state: A2AFailedState,
    /** The remote task's id. */
    readonly taskId: string,
    /** The remote task's context id. */
    readonly contextId: string,
    /** What the agent said with that state, as text. */
    readonly agentMessage: string | undefined,
  ) {
    super(
      `node "${node}": the remote A2A task ${taskId} ended ${state}${agentMessage ? `: ${agentMessage}` : ""}`,
    );
  }
}

/**
 * The exchange with the remote A2A agent failed: the agent card could not be read,
 * no transport of the card fits, the agent answered with an A2A error, or the
 * connection failed. `reason` is the A2A error reason when the agent gave one
 * (e.g. `TASK_NOT_FOUND`); the SDK's error is the `cause`.
 */
export class A2AClientError extends OpenApiException {
  override name = "A2AClientError";

  constructor(
    /** The node that called the agent, or the card URL when no node exists yet. */
    readonly where: string,
    /** The step that failed, e.g. `SendMessage` or `agent card`. */
    readonly operation: string,
    detail: string,
    /** The A2A error reason (`google.rpc.ErrorInfo.reason`), when the agent gave one. */
    readonly reason?: string,
    /** The HTTP status, when the failure came with one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(
      `${where}: ${operation}${status === undefined ? "" : ` (${status})`}: ${detail}`,
      options,
    );
  }
}

/** The agent sent something the node cannot use: a result that is not a task, a task of another id. */
export class A2AProtocolError extends OpenApiException {
  override name = "A2AProtocolError";

  constructor(
    /** The node that called the agent. */
    readonly node: string,
    detail: string,
  ) {
    super(`node "${node}": ${detail}`);
  }
}

/**
 * The remote task asks for input, but the parent graph cannot pause (it has no
 * checkpointer, or runs outside a graph); the remote task is cancelled.
 */
export class A2AInterruptError extends OpenApiException {
  override name = "A2AInterruptError";

  constructor(
    /** The node whose agent asked. */
    readonly node: string,
    /** The remote task that asked. */
    readonly taskId: string,
    reason: string,
  ) {
    super(
      `node "${node}": the remote A2A task ${taskId} asks for input, but the parent graph cannot pause: ${reason}`,
    );
  }
}
