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
 * LangGraph reducers on the other side can read them back. The result is what
 * `JSON.parse(JSON.stringify(...))` of that would give (`toJSON` applied, `undefined`
 * and functions dropped, non-finite numbers `null`), built in one walk that copies
 * each object once: nothing that reads it changes the graph's own values.
 */
export function toWire(value: unknown): unknown {
  return plain(convert(value, new WeakSet(), ""), null);
}

/** What JSON text makes of a value with no JSON form: absent in an object, `null` in an array. */
const NO_JSON = Symbol("no JSON form");

/** `value` as JSON would carry it, or `absent` when it has no JSON form. */
function plain(value: unknown, absent: unknown): unknown {
  return value === NO_JSON ? absent : value;
}

function convert(value: unknown, seen: WeakSet<object>, key: string): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      // JSON has no form for it: the same TypeError JSON.stringify throws.
      return JSON.stringify(value);
    case "object":
      break;
    default:
      return NO_JSON;
  }
  if (value === null) return null;
  if (seen.has(value)) return NO_JSON;
  seen.add(value);
  try {
    if (isBaseMessage(value)) {
      const type = value.getType();
      return object(
        {
          role: ROLES[type] ?? type,
          type,
          content: value.content,
          ...(value.id ? { id: value.id } : {}),
          ...(value.name ? { name: value.name } : {}),
          ...extra(value as unknown as Record<string, unknown>),
        },
        seen,
      );
    }
    if (Array.isArray(value)) return value.map((v, i) => plain(convert(v, seen, String(i)), null));
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      return convert((toJSON as (key: string) => unknown).call(value, key), seen, key);
    }
    return object(value as Record<string, unknown>, seen);
  } finally {
    seen.delete(value);
  }
}

/** An object's own enumerable fields, each converted; those with no JSON form left out. */
function object(value: Record<string, unknown>, seen: WeakSet<object>): Record<string, unknown> {
  const entries: Array<[string, unknown]> = [];
  for (const k of Object.keys(value)) {
    const v = convert(value[k], seen, k);
    if (v !== NO_JSON) entries.push([k, v]);
  }
  // Not assigned one by one: a "__proto__" key stays a field, as JSON.parse makes it.
  return Object.fromEntries(entries);
}

/** Tool calls and tool-call ids, which a conversation cannot be resumed without. */
function extra(message: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    out.tool_calls = message.tool_calls;
  }
  if (typeof message.tool_call_id === "string") out.tool_call_id = message.tool_call_id;
  return out;
}
