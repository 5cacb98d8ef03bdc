/**
 * How A2A answers are shown: in a pipe, the protocol's own JSON, one object per line
 * (each stream event, each task); at a terminal, a line per event and the task's
 * result as a person reads it.
 */
import { Message, StreamResponse, Task } from "@a2a-js/sdk";
import type { CliIo } from "../io.js";
import { say } from "../io.js";
import { partsText, partValues, stateName } from "./message.js";

/** The wire JSON of a task or of a message. */
export function resultJson(result: Task | Message): unknown {
  return "status" in result ? Task.toJSON(result) : Message.toJSON(result);
}

/** Prints a JSON value: indented at a terminal, one line in a pipe. */
export function printJson(io: CliIo, value: unknown): void {
  say(io, io.isTTY ? JSON.stringify(value, null, 2) : JSON.stringify(value));
}

/** One line about a stream event, for a person. */
function eventLine(event: StreamResponse): string {
  const payload = event.payload;
  switch (payload?.$case) {
    case "task": {
      const task = payload.value;
      return `task ${task.id} (context ${task.contextId}): ${stateName(task.status?.state)}`;
    }
    case "statusUpdate": {
      const status = payload.value.status;
      const said = partsText(status?.message?.parts);
      return `${stateName(status?.state)}${said ? `: ${said}` : ""}`;
    }
    case "artifactUpdate": {
      const artifact = payload.value.artifact;
      return `artifact ${artifact?.name || artifact?.artifactId || ""}${payload.value.append ? " (more)" : ""}`;
    }
    case "message":
      return `agent: ${partsText(payload.value.parts)}`;
    default:
      return "(an event with no payload)";
  }
}

/** Prints one stream event: its JSON in a pipe, a line at a terminal. */
export function printEvent(io: CliIo, event: StreamResponse): void {
  say(io, io.isTTY ? eventLine(event) : JSON.stringify(StreamResponse.toJSON(event)));
}

/** A value as a person reads it: a string as it is, anything else as indented JSON. */
const readable = (value: unknown) =>
  typeof value === "string" ? value : JSON.stringify(value, null, 2);

/**
 * The outcome of a send at a terminal: a task's artifacts (each part's value), or its
 * state and status message when it has none; a message's parts.
 */
export function printOutcome(io: CliIo, result: Task | Message): void {
  if (!("status" in result)) {
    for (const value of partValues(result.parts)) say(io, readable(value));
    return;
  }
  const values = result.artifacts.flatMap((a) => partValues(a.parts));
  // The server gives a chat agent's reply twice, as data and as text: the text says it.
  const texts = values.filter((v) => typeof v === "string");
  const shown = texts.length > 0 ? texts : values;
  if (shown.length === 0) {
    const said = partsText(result.status?.message?.parts);
    say(io, `task ${result.id}: ${stateName(result.status?.state)}${said ? `: ${said}` : ""}`);
    return;
  }
  for (const value of shown) say(io, readable(value));
}
