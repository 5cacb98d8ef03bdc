/**
 * Graph values to A2A message parts and back. A string travels as a `text` part and
 * any other JSON value as a `data` part; what comes back is the `data` part's value as
 * it is, or the text when no part carries data.
 */
import type { Artifact, Message, Part, Task } from "@a2a-js/sdk";
import { Role } from "@a2a-js/sdk";

/** One part of a message that carries `value`: a `text` part for a string, `data` otherwise. */
export function partsOf(value: unknown): Part[] {
  if (typeof value === "string") {
    return [
      {
        content: { $case: "text", value },
        metadata: undefined,
        filename: "",
        mediaType: "text/plain",
      },
    ];
  }
  return [
    {
      content: { $case: "data", value },
      metadata: undefined,
      filename: "",
      mediaType: "application/json",
    },
  ];
}

/** What a user message to the agent is made of, besides its parts. */
export interface OutgoingMessage {
  value: unknown;
  contextId: string | undefined;
  taskId: string | undefined;
  metadata: Record<string, unknown> | undefined;
}

/** A user message that carries `value`, in the given context and task (when known). */
export function userMessage(message: OutgoingMessage): Message {
  return {
    messageId: crypto.randomUUID(),
    contextId: message.contextId ?? "",
    taskId: message.taskId ?? "",
    role: Role.ROLE_USER,
    parts: partsOf(message.value),
    metadata: message.metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

/**
 * The value that groups of parts carry: the value of the one `data` part (an array of
 * the values when there are several), else the groups' text, each group's parts
 * joined as they come (streamed chunks of one artifact) and the groups joined by a
 * newline; `undefined` when there is neither (only files, or nothing).
 */
export function valueOfParts(groups: readonly (readonly Part[])[]): unknown {
  const data = groups.flatMap((parts) =>
    parts.flatMap((part) => (part.content?.$case === "data" ? [part.content.value] : [])),
  );
  if (data.length === 1) return data[0];
  if (data.length > 1) return data;
  const texts = groups
    .map((parts) =>
      parts.map((part) => (part.content?.$case === "text" ? part.content.value : "")).join(""),
    )
    .filter((text) => text.length > 0);
  return texts.length > 0 ? texts.join("\n") : undefined;
}

/** The text of a message's text parts, for an error message; undefined when it has none. */
export function textOf(message: Message | undefined): string | undefined {
  const text = (message?.parts ?? [])
    .map((part) => (part.content?.$case === "text" ? part.content.value : ""))
    .join("");
  return text.length > 0 ? text : undefined;
}

/**
 * The result of a task or a direct message reply: the artifacts' value, else the value
 * of the final status message (an agent may answer there), else of the reply itself.
 */
export function resultValue(result: Task | Message): unknown {
  if (isMessage(result)) return valueOfParts([result.parts]);
  const fromArtifacts = valueOfParts(result.artifacts.map((artifact: Artifact) => artifact.parts));
  if (fromArtifacts !== undefined) return fromArtifacts;
  return valueOfParts([result.status?.message?.parts ?? []]);
}

/** True for a direct message reply, false for a task. */
export function isMessage(result: Task | Message): result is Message {
  return "messageId" in result;
}
