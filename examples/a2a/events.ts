/**
 * One line per event an `A2ANode` forwards to the parent's `custom` stream: the task's
 * state as it changes, its artifact, and what the agent says when it stops.
 */
import { type Part, type StreamResponse, TaskState } from "@a2a-js/sdk";
import type { A2ANodeStreamEvent } from "agntcy-acp/langgraph";

const MAX = 110;

function short(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > MAX ? `${flat.slice(0, MAX - 3)}...` : flat;
}

/** `input-required` for `TASK_STATE_INPUT_REQUIRED`: the state as the protocol writes it. */
function stateName(state: TaskState | undefined): string {
  const name = state === undefined ? "TASK_STATE_UNSPECIFIED" : TaskState[state];
  return (name ?? "unknown").replace("TASK_STATE_", "").toLowerCase().replaceAll("_", "-");
}

/** The parts of a message or artifact, as JSON for data and as they are for text. */
function partsText(parts: readonly Part[] | undefined): string {
  return (parts ?? [])
    .map((p) => {
      const content = p.content;
      if (content?.$case === "text") return content.value;
      if (content?.$case === "data") return JSON.stringify(content.value);
      return `(${content?.$case ?? "empty"} part)`;
    })
    .join(" | ");
}

/** The fields of each data part, and the text of each text part. */
function partsOutline(parts: readonly Part[] | undefined): string {
  return (parts ?? [])
    .map((p) => {
      const content = p.content;
      if (content?.$case === "data" && typeof content.value === "object" && content.value) {
        return `{ ${Object.keys(content.value).join(", ")} }`;
      }
      return partsText([p]);
    })
    .join(" | ");
}

function describeEvent(node: string, event: StreamResponse): string {
  const from = `  <- ${node} (A2A)`;
  const payload = event.payload;
  switch (payload?.$case) {
    case "task": {
      const task = payload.value;
      return `${from} task ${task.id} ${stateName(task.status?.state)}`;
    }
    case "statusUpdate": {
      const status = payload.value.status;
      const said = partsText(status?.message?.parts);
      return `${from} status ${stateName(status?.state)}${said ? `: ${short(said)}` : ""}`;
    }
    case "artifactUpdate":
      // An artifact holds the graph's values so far: their names say enough here.
      return `${from} artifact: ${short(partsOutline(payload.value.artifact?.parts))}`;
    case "message":
      return `${from} message: ${short(partsText(payload.value.parts))}`;
    default:
      return `${from} (an event with no payload)`;
  }
}

function isA2AEvent(chunk: unknown): chunk is A2ANodeStreamEvent {
  const c = chunk as Partial<A2ANodeStreamEvent> | null;
  return (
    typeof c?.node === "string" &&
    typeof c.event === "object" &&
    c.event !== null &&
    // An ACP node's events carry `data`; an A2A node's carry the SDK's `payload`.
    !("data" in c.event)
  );
}

/** Lines about a `custom` chunk forwarded by an A2A node, or undefined for any other chunk. */
export function describeA2AChunk(mode: string, chunk: unknown): string[] | undefined {
  if (mode !== "custom" || !isA2AEvent(chunk)) return undefined;
  return [describeEvent(chunk.node, chunk.event)];
}
