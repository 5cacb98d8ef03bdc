/**
 * What `acp a2a send` sends and how it reads what comes back: a user message of one
 * part (text as it is, any other JSON value as data), task states by the protocol's
 * names, and the text of parts for a person to read.
 */
import {
  type Message,
  type Part,
  Role,
  type TaskState,
  taskStateFromJSON,
  taskStateToJSON,
} from "@a2a-js/sdk";
import { CliError } from "../cli-error.js";

/** A user message holding `value`: a string as a text part, anything else as a data part. */
export function userMessage(value: unknown, ids: { contextId?: string; taskId?: string }): Message {
  const part: Part =
    typeof value === "string"
      ? {
          content: { $case: "text", value },
          metadata: undefined,
          filename: "",
          mediaType: "text/plain",
        }
      : { content: { $case: "data", value }, metadata: undefined, filename: "", mediaType: "" };
  return {
    messageId: crypto.randomUUID(),
    contextId: ids.contextId ?? "",
    taskId: ids.taskId ?? "",
    role: Role.ROLE_USER,
    parts: [part],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** `input-required` for `TASK_STATE_INPUT_REQUIRED`: the state as people write it. */
export function stateName(state: TaskState | undefined): string {
  if (state === undefined) return "unspecified";
  return taskStateToJSON(state)
    .replace(/^TASK_STATE_/, "")
    .toLowerCase()
    .replaceAll("_", "-");
}

/** The state a person named (`input-required`, `completed`...), or a failure naming the choices. */
export function parseState(name: string): TaskState {
  const wire = `TASK_STATE_${name.trim().toUpperCase().replaceAll("-", "_")}`;
  const state = taskStateFromJSON(wire);
  if (taskStateToJSON(state) !== wire || wire === "TASK_STATE_UNSPECIFIED") {
    throw new CliError(
      `--status must be one of submitted, working, input-required, auth-required, completed, failed, canceled, rejected; got ${JSON.stringify(name)}`,
    );
  }
  return state;
}

/** The values of parts: text as it is, data as its JSON value; files are named, not read. */
export function partValues(parts: readonly Part[] | undefined): unknown[] {
  return (parts ?? []).map((p) => {
    const content = p.content;
    if (content?.$case === "text" || content?.$case === "data") return content.value;
    return `(${content?.$case ?? "empty"} part${p.filename ? ` ${p.filename}` : ""})`;
  });
}

/** Parts as one line of text: strings as they are, other values as JSON. */
export function partsText(parts: readonly Part[] | undefined): string {
  return partValues(parts)
    .map((v) => (typeof v === "string" ? v : JSON.stringify(v)))
    .join(" ");
}
