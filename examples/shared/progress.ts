/**
 * Prints a parent graph's progress as it streams with `streamMode: ["updates", "custom"]`:
 * which node finished, and every event a remote agent sent while its node ran.
 */
import type { ACPNodeStreamEvent } from "agntcy-acp/langgraph";

const MAX = 110;

function short(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const flat = (text ?? "").replace(/\s+/g, " ");
  return flat.length > MAX ? `${flat.slice(0, MAX - 3)}...` : flat;
}

function isRemoteEvent(chunk: unknown): chunk is ACPNodeStreamEvent {
  const c = chunk as Partial<ACPNodeStreamEvent> | null;
  return typeof c?.node === "string" && typeof c.event === "object" && c.event !== null;
}

/** One line about one remote event. */
export function describeRemoteEvent({ node, event }: ACPNodeStreamEvent): string {
  const data = event.data;
  switch (data.type) {
    case "custom":
      return `  <- ${node} (remote) custom: ${short(data.update)}`;
    case "values":
      return `  <- ${node} (remote) values [${data.status}]: ${short(data.values)}`;
    case "interrupt":
      return `  <- ${node} (remote) interrupt: ${short(data.interrupt)}`;
    default:
      return `  <- ${node} (remote) error ${data.errcode}: ${data.description}`;
  }
}

/** Lines about one chunk of a `["updates", "custom"]` stream. */
export function describeChunk(mode: string, chunk: unknown): string[] {
  if (mode === "custom") return isRemoteEvent(chunk) ? [describeRemoteEvent(chunk)] : [];
  if (mode !== "updates" || typeof chunk !== "object" || chunk === null) return [];
  return Object.entries(chunk).map(([node, update]) =>
    node === "__interrupt__" ? `* paused: ${short(update)}` : `* ${node} done: ${short(update)}`,
  );
}
