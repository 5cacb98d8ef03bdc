import { isBaseMessage } from "@langchain/core/messages";
import { isRecord } from "../../core/json-guards.js";
import {
  type LangGraphMessageMetadata,
  type LangGraphStreamMode,
  type LangGraphStreamUpdate,
  serializeMessage,
} from "../../core/langgraph-stream.js";
import { toWire } from "./wire.js";

/** The metadata keys of a streamed message that go on the wire; the rest may hold config values. */
const METADATA_KEYS = new Set([
  "langgraph_node",
  "langgraph_step",
  "langgraph_triggers",
  "langgraph_path",
  "langgraph_checkpoint_ns",
  "checkpoint_ns",
  "tags",
]);

/**
 * The envelope of one chunk of LangGraph's `messages` or `updates` stream mode, from
 * the (sub)graph at `namespace`; undefined for a chunk with nothing to carry (an
 * update that only reports an interrupt, which the run reports itself).
 */
export function langGraphUpdate(
  mode: LangGraphStreamMode,
  namespace: readonly string[],
  payload: unknown,
): (LangGraphStreamUpdate & Record<string, unknown>) | undefined {
  if (mode === "messages") {
    if (!Array.isArray(payload) || !isBaseMessage(payload[0])) return undefined;
    return {
      langgraph: "messages",
      namespace: [...namespace],
      data: [serializeMessage(payload[0]), messageMetadata(payload[1])],
    };
  }
  if (!isRecord(payload)) return undefined;
  const data: Record<string, unknown> = {};
  for (const [node, delta] of Object.entries(payload)) {
    if (node !== "__interrupt__") data[node] = toWire(delta);
  }
  if (Object.keys(data).length === 0) return undefined;
  return { langgraph: "updates", namespace: [...namespace], data };
}

/**
 * What LangGraph tells of a streamed message that is safe to send: its node, step,
 * path, namespace, tags and the model's `ls_*` descriptors, as JSON. The other keys
 * are left out: LangGraph copies the run's configurable values into the metadata.
 */
function messageMetadata(metadata: unknown): LangGraphMessageMetadata {
  const out: LangGraphMessageMetadata = {};
  if (!isRecord(metadata)) return out;
  for (const [key, value] of Object.entries(metadata)) {
    if (!METADATA_KEYS.has(key) && !key.startsWith("ls_")) continue;
    const json = jsonOf(value);
    if (json !== undefined) out[key] = json;
  }
  return out;
}

/** `value` as JSON, or undefined when it is not JSON (a function, a cycle, a BigInt). */
function jsonOf(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
