/**
 * Names for remote things that must be found again from the parent graph's checkpoint
 * alone: the same parent task always gets the same tag, the same node on the same
 * parent thread always gets the same remote thread.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";

/** The run metadata key under which a remote run records the parent task it serves. */
export const TASK_TAG_KEY = "acp_node_task";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Where in the parent graph a node executes: its thread and its task's namespace. */
export interface TaskPlace {
  /** The parent's `thread_id`; absent when the parent runs without one. */
  threadId: string | undefined;
  /** The task's checkpoint namespace, e.g. `mailer:<task id>`; it holds the task id. */
  checkpointNs: string | undefined;
}

/** Reads the task's place from the config LangGraph gives a node. */
export function taskPlace(config: LangGraphRunnableConfig): TaskPlace {
  const threadId = config.configurable?.thread_id;
  const ns = config.executionInfo?.checkpointNs ?? config.configurable?.checkpoint_ns;
  return {
    threadId: typeof threadId === "string" && threadId !== "" ? threadId : undefined,
    checkpointNs: typeof ns === "string" && ns !== "" ? ns : undefined,
  };
}

/**
 * A tag that names one execution of a node in a parent graph, stable across the re-runs
 * LangGraph does on resume and across process restarts: LangGraph derives the task id in
 * the namespace from the persisted checkpoint. Undefined when the parent has no thread,
 * since such a graph cannot be resumed.
 */
export async function taskTag(place: TaskPlace): Promise<string | undefined> {
  if (place.threadId === undefined || place.checkpointNs === undefined) return undefined;
  return sha256Hex(JSON.stringify([place.threadId, place.checkpointNs]));
}

/** LangGraph's trigger of a task started by a `Send` (its `PUSH` constant). */
const SEND_TRIGGER = "__pregel_push";

/** Whether the task was started by a `Send`, as the task's metadata says. */
export function isSendTask(config: LangGraphRunnableConfig): boolean {
  const triggers: unknown = config.metadata?.langgraph_triggers;
  return Array.isArray(triggers) && triggers.includes(SEND_TRIGGER);
}

/** The node's path in the parent graph without task ids, e.g. `outer|mailer`. */
export function nodePath(checkpointNs: string | undefined, name: string): string {
  if (checkpointNs === undefined) return name;
  return checkpointNs
    .split("|")
    .map((segment) => segment.split(":")[0])
    .join("|");
}

/**
 * The remote thread of a node on a parent thread: a UUID (the protocol asks for one)
 * made from a hash of the parent thread id and `path`, so every parent thread gets its
 * own remote thread and finds it again after a restart. `path` is the node's path
 * ({@link nodePath}) for a thread kept across calls, or the task's whole checkpoint
 * namespace (task ids included) for a thread of one task: LangGraph derives a task id
 * from the checkpoint the task started from, so that thread is the same when the task
 * resumes, after a restart too, and new for each `Send` branch and for a fork.
 */
export async function remoteThreadId(parentThreadId: string, path: string): Promise<string> {
  const hex = await sha256Hex(JSON.stringify(["acp-node-thread", parentThreadId, path]));
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(18, 20)}`,
    hex.slice(20, 32),
  ].join("-");
}
