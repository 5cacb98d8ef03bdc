import { isBaseMessage } from "@langchain/core/messages";

const ROLES: Record<string, string> = {
  human: "user",
  ai: "assistant",
  system: "system",
  tool: "tool",
};

/**
 * Turns graph values into plain JSON for the wire. LangChain messages become ACP
 * `Message`s (with `role`) that also keep LangChain's `type`, so both ACP clients and
 * LangGraph reducers on the other side can read them back.
 */
export function toWire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(convert(value, new WeakSet())) ?? "null");
}

function convert(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return undefined;
  seen.add(value);
  try {
    if (isBaseMessage(value)) {
      const type = value.getType();
      return {
        role: ROLES[type] ?? type,
        type,
        content: convert(value.content, seen),
        ...(value.id ? { id: value.id } : {}),
        ...(value.name ? { name: value.name } : {}),
        ...extra(value as unknown as Record<string, unknown>, seen),
      };
    }
    if (Array.isArray(value)) return value.map((v) => convert(v, seen));
    if (value instanceof Date || typeof (value as { toJSON?: unknown }).toJSON === "function") {
      return value;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, seen)]));
  } finally {
    seen.delete(value);
  }
}

/** Tool calls and tool-call ids, which a conversation cannot be resumed without. */
function extra(message: Record<string, unknown>, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    out.tool_calls = convert(message.tool_calls, seen);
  }
  if (typeof message.tool_call_id === "string") out.tool_call_id = message.tool_call_id;
  return out;
}
