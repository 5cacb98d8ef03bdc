/**
 * A run as an A2A task. The run is the task's only record, so every replica and both
 * protocols see the same task: its id is the run's id, its context the run's thread
 * (or, for a stateless run, the context the message named, kept in the run's
 * metadata), its state and artifact read off the run's status and output.
 */
import type { Artifact, Message, Part, Task, TaskStatus } from "@a2a-js/sdk";
import { Role, TaskState } from "@a2a-js/sdk";
import { isRecord } from "../../core/json-guards.js";
import {
  A2A_TOKENS_ARTIFACT_ID,
  type LangGraphMessagesUpdate,
} from "../../core/langgraph-stream.js";
import type { RunOutput } from "../../models/index.js";
import type { StoredRun } from "../stores/store.js";

/**
 * The metadata key of a stateless run that holds the A2A context it was sent in; a
 * run on a thread has the thread as its context.
 */
export const CONTEXT_METADATA_KEY = "a2a_context_id";

/** The errcode of a cancelled run's error (see the run manager's cancel). */
const CANCELLED_ERRCODE = 499;

/** The id of the one artifact a task's output is written to. */
export const OUTPUT_ARTIFACT_ID = "output";

/** The context of a run: its thread, else the context it was sent in, else its own id. */
export function contextOf(run: StoredRun): string {
  if (run.thread_id !== undefined) return run.thread_id;
  const kept = run.creation.metadata?.[CONTEXT_METADATA_KEY];
  return typeof kept === "string" ? kept : run.run_id;
}

/** The task state of a run. */
export function stateOf(run: Pick<StoredRun, "status" | "output">): TaskState {
  switch (run.status) {
    case "pending":
      return TaskState.TASK_STATE_WORKING;
    case "success":
      return TaskState.TASK_STATE_COMPLETED;
    case "interrupted":
      return run.output?.type === "interrupt"
        ? TaskState.TASK_STATE_INPUT_REQUIRED
        : TaskState.TASK_STATE_FAILED;
    default:
      return run.output?.type === "error" && run.output.errcode === CANCELLED_ERRCODE
        ? TaskState.TASK_STATE_CANCELED
        : TaskState.TASK_STATE_FAILED;
  }
}

/** A `data` part. */
export function dataPart(value: unknown): Part {
  return { content: { $case: "data", value }, metadata: undefined, filename: "", mediaType: "" };
}

/** A `text` part. */
export function textPart(value: string): Part {
  return {
    content: { $case: "text", value },
    metadata: undefined,
    filename: "",
    mediaType: "text/plain",
  };
}

/** A message of the agent on a task. */
export function agentMessage(
  taskId: string,
  contextId: string,
  parts: Part[],
  messageId: string = crypto.randomUUID(),
): Message {
  return {
    messageId,
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/**
 * The text of the last message of the values, when the output ends with a message
 * whose content is text (a chat graph's reply), for clients that read text only.
 */
function lastMessageText(values: unknown): string | undefined {
  if (!isRecord(values) || !Array.isArray(values.messages)) return undefined;
  const last: unknown = values.messages.at(-1);
  if (!isRecord(last)) return undefined;
  if (typeof last.content === "string") return last.content;
  if (!Array.isArray(last.content)) return undefined;
  const texts = last.content.flatMap((block: unknown) =>
    isRecord(block) && block.type === "text" && typeof block.text === "string" ? [block.text] : [],
  );
  return texts.length > 0 ? texts.join("") : undefined;
}

/** The message types whose text is the model's: its chunks, or a whole reply. */
const modelMessageTypes = new Set(["AIMessageChunk", "AIMessage"]);

/**
 * The text of a `messages` event of a run (a LangGraph stream mode), when it is a
 * piece of the model's reply; undefined for other messages (a tool's) and for chunks
 * without text (a tool call's).
 */
export function tokenText(update: LangGraphMessagesUpdate): string | undefined {
  const [message] = update.data;
  if (!modelMessageTypes.has(message.type)) return undefined;
  const content = message.content;
  if (typeof content === "string") return content || undefined;
  if (!Array.isArray(content)) return undefined;
  const texts = content.flatMap((block: unknown) =>
    isRecord(block) && block.type === "text" && typeof block.text === "string" ? [block.text] : [],
  );
  return texts.join("") || undefined;
}

/** A piece of the token artifact: one text part, appended to the ones before. */
export function tokensArtifact(text: string): Artifact {
  return {
    artifactId: A2A_TOKENS_ARTIFACT_ID,
    name: "tokens",
    description: "the model's reply as it streams",
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
  };
}

/** The artifact of a run's values: a data part with them, and a text part for a message. */
export function valuesArtifact(values: unknown): Artifact {
  const text = lastMessageText(values);
  return {
    artifactId: OUTPUT_ARTIFACT_ID,
    name: "output",
    description: "the run's values",
    parts: [dataPart(values ?? {}), ...(text !== undefined ? [textPart(text)] : [])],
    metadata: undefined,
    extensions: [],
  };
}

/** The status message of a run that stopped: its interrupt's value, or its error. */
function statusMessage(run: StoredRun, output: RunOutput | undefined): Message | undefined {
  // The same stop reads as the same message, so readers that merge histories keep one.
  const id = `${run.run_id}/${run.updated_at}`;
  if (output?.type === "interrupt") {
    return agentMessage(run.run_id, contextOf(run), [dataPart(output.interrupt)], id);
  }
  if (output?.type === "error") {
    return agentMessage(run.run_id, contextOf(run), [textPart(output.description)], id);
  }
  return undefined;
}

/** The status of a run as a task status. */
export function statusOf(run: StoredRun): TaskStatus {
  return {
    state: stateOf(run),
    message: run.status === "pending" ? undefined : statusMessage(run, run.output ?? undefined),
    timestamp: run.updated_at,
  };
}

/** The run's metadata as the task's, without the key that holds its context. */
function taskMetadata(run: StoredRun): Task["metadata"] {
  const { [CONTEXT_METADATA_KEY]: _context, ...rest } = run.creation.metadata ?? {};
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/**
 * The user's message that started the run, rebuilt from its input (a data part): the
 * run records the input, not the message, so the message's id is derived from the run.
 */
function inputMessage(run: StoredRun): Message {
  return {
    ...agentMessage(
      run.run_id,
      contextOf(run),
      [dataPart(run.creation.input ?? {})],
      `${run.run_id}/input`,
    ),
    role: Role.ROLE_USER,
  };
}

/**
 * The task of a run. Its history is the message that started it (rebuilt from the
 * run's input) and, once it stopped, its status message; what was said in between
 * (resume values) is not kept.
 */
export function toTask(run: StoredRun): Task {
  const status = statusOf(run);
  return {
    id: run.run_id,
    contextId: contextOf(run),
    status,
    artifacts:
      run.status === "success" && run.output?.type === "result"
        ? [valuesArtifact(run.output.values)]
        : [],
    history: status.message ? [inputMessage(run), status.message] : [inputMessage(run)],
    metadata: taskMetadata(run),
  };
}
