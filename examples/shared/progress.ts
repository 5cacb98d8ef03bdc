/**
 * Prints a parent graph's progress as it streams with `streamMode: ["updates", "custom"]`:
 * which node finished, and every event a remote agent sent while its node ran.
 */

import type { ACPNodeStreamEvent } from "agntcy-acp/langgraph";
import { isLangGraphStreamUpdate } from "agntcy-acp/server";

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

/** One line about one remote event; none for the tokens and updates a node streams itself. */
export function describeRemoteEvent({ node, event }: ACPNodeStreamEvent): string | undefined {
  const data = event.data;
  switch (data.type) {
    case "custom":
      if (isLangGraphStreamUpdate(data.update)) return undefined;
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
  if (mode === "custom") {
    const line = isRemoteEvent(chunk) ? describeRemoteEvent(chunk) : undefined;
    return line === undefined ? [] : [line];
  }
  if (mode !== "updates" || typeof chunk !== "object" || chunk === null) return [];
  return Object.entries(chunk).map(([node, update]) =>
    node === "__interrupt__" ? `* paused: ${short(update)}` : `* ${node} done: ${short(update)}`,
  );
}

/**
 * Prints a remote agent's model tokens as they come (`messages` chunks that an ACPNode
 * forwarded: their metadata names the remote node), one line per message.
 */
export class TokenPrinter {
  #open: string | undefined;

  /** Prints a `messages` chunk when it is a remote token; true when it was one. */
  write(chunk: unknown): boolean {
    const [message, metadata] = chunk as [
      { id?: string; content?: unknown },
      Record<string, unknown>,
    ];
    if (metadata?.acp_remote_node === undefined || typeof message?.content !== "string")
      return false;
    const key = `${String(metadata.langgraph_node)}:${message.id ?? ""}`;
    if (this.#open !== key) {
      this.end();
      process.stdout.write(`  <- ${String(metadata.langgraph_node)} (remote) tokens: `);
      this.#open = key;
    }
    process.stdout.write(message.content.replace(/\s+/g, " "));
    return true;
  }

  /** Ends the line of tokens, if one is open. */
  end(): void {
    if (this.#open !== undefined) process.stdout.write("\n");
    this.#open = undefined;
  }
}
