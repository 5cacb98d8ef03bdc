/**
 * LangGraph's `messages` and `updates` stream modes carried over ACP.
 *
 * ACP 0.2.3 streams two kinds of run events, `values` and `custom`. A LangGraph graph
 * also streams the tokens of its chat models (`messages`) and each node's delta
 * (`updates`); both travel here as `custom` events whose `update` is one envelope:
 *
 * ```json
 * { "langgraph": "messages", "namespace": [], "data": [{ "type": "AIMessageChunk", "content": "Hel", "id": "run-1" }, { "langgraph_node": "agent" }] }
 * { "langgraph": "updates", "namespace": ["inner:3f2…"], "data": { "agent": { "answer": "Hello" } } }
 * ```
 *
 * `namespace` is the LangGraph namespace of the (sub)graph that produced the event,
 * empty for the agent's own graph. A client that does not know the envelope reads it
 * as an ordinary custom update: it is a JSON object, as the spec requires.
 *
 * A run asks for these modes with the configurable key {@link LANGGRAPH_STREAM_KEY}
 * (`config.configurable.langgraph_stream_mode: ["messages", "updates"]`); nothing is
 * produced when it does not ask.
 *
 * @module
 */
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  HumanMessageChunk,
  SystemMessage,
  SystemMessageChunk,
  ToolMessage,
  ToolMessageChunk,
} from "@langchain/core/messages";
import { isRecord } from "./json-guards.js";

/** The LangGraph stream modes an ACP run can carry besides `values` and `custom`. */
export type LangGraphStreamMode = "messages" | "updates";

/** Every {@link LangGraphStreamMode}, in a fixed order. */
export const LANGGRAPH_STREAM_MODES: readonly LangGraphStreamMode[] = ["messages", "updates"];

/**
 * The key of a run's `config.configurable` that asks for LangGraph stream modes: an
 * array of {@link LangGraphStreamMode}. The server removes it before the graph sees
 * the configuration.
 */
export const LANGGRAPH_STREAM_KEY = "langgraph_stream_mode";

/**
 * The id of the A2A artifact a streamed task's model tokens are appended to, one text
 * part per token (`append: true`), by a server whose agent streams LangGraph's modes.
 */
export const A2A_TOKENS_ARTIFACT_ID = "tokens";

/** A LangChain message as plain JSON: its class name as `type`, and its fields. */
export interface SerializedMessage {
  /** The message class, for example `AIMessageChunk`, `AIMessage` or `ToolMessage`. */
  type: string;
  /** The message's content: a string, or content blocks. */
  content?: unknown;
  /** The message id; the chunks of one message share it. */
  id?: string;
  [field: string]: unknown;
}

/** The metadata LangGraph gives a streamed message: its node, step, tags and more. */
export interface LangGraphMessageMetadata {
  /** The node whose model produced the message. */
  langgraph_node?: string;
  /** The step of the graph the node ran in. */
  langgraph_step?: number;
  /** The tags of the model call. */
  tags?: string[];
  [key: string]: unknown;
}

/** A `messages` event: one message or token chunk, with its metadata. */
export interface LangGraphMessagesUpdate {
  /** The LangGraph stream mode. */
  langgraph: "messages";
  /** The namespace of the (sub)graph that streamed it; empty for the agent's graph. */
  namespace: string[];
  /** The message and its metadata, as LangGraph's `messages` mode yields them. */
  data: [message: SerializedMessage, metadata: LangGraphMessageMetadata];
}

/** An `updates` event: the delta each node of one step returned, by node name. */
export interface LangGraphUpdatesUpdate {
  /** The LangGraph stream mode. */
  langgraph: "updates";
  /** The namespace of the (sub)graph that streamed it; empty for the agent's graph. */
  namespace: string[];
  /** The node's update, keyed by the node's name. */
  data: Record<string, unknown>;
}

/** The `update` of a custom event that carries a LangGraph stream mode. */
export type LangGraphStreamUpdate = LangGraphMessagesUpdate | LangGraphUpdatesUpdate;

/** True when a custom event's `update` is a {@link LangGraphStreamUpdate}. */
export function isLangGraphStreamUpdate(update: unknown): update is LangGraphStreamUpdate {
  if (!isRecord(update) || !Array.isArray(update.namespace)) return false;
  if (update.langgraph === "messages") {
    return Array.isArray(update.data) && update.data.length === 2 && isRecord(update.data[0]);
  }
  return update.langgraph === "updates" && isRecord(update.data);
}

/**
 * The JSON schema of {@link LangGraphStreamUpdate}: what an agent that streams these
 * modes declares (with its own custom updates, if any) as `custom_streaming_update`.
 */
export const langGraphStreamUpdateSchema: Record<string, unknown> = {
  title: "LangGraphStreamUpdate",
  description:
    "A LangGraph stream mode carried in a custom event: a message chunk with its metadata, or the updates of one step's nodes.",
  type: "object",
  required: ["langgraph", "namespace", "data"],
  properties: {
    langgraph: { type: "string", enum: ["messages", "updates"] },
    namespace: { type: "array", items: { type: "string" } },
    data: {
      anyOf: [
        {
          type: "array",
          minItems: 2,
          maxItems: 2,
          // `prefixItems` (JSON Schema 2020-12, OpenAPI 3.1) types the message; `items`
          // alone is what an older dialect reads, and holds in both.
          prefixItems: [
            { type: "object", required: ["type"], properties: { type: { type: "string" } } },
            { type: "object" },
          ],
          items: { type: "object" },
        },
        { type: "object" },
      ],
    },
  },
};

/** The message classes a {@link SerializedMessage} is read back into, by `type`. */
const messageClasses: Record<string, new (fields: never) => BaseMessage> = {
  AIMessageChunk,
  AIMessage,
  HumanMessage,
  HumanMessageChunk,
  SystemMessage,
  SystemMessageChunk,
  ToolMessage,
  ToolMessageChunk,
};

/** A LangChain message as plain JSON, for a {@link LangGraphMessagesUpdate}. */
export function serializeMessage(message: BaseMessage): SerializedMessage {
  const serialized = message.toJSON() as { id?: string[]; kwargs?: Record<string, unknown> };
  const type = serialized.id?.at(-1) ?? message.constructor.name;
  return JSON.parse(JSON.stringify({ ...(serialized.kwargs ?? {}), type })) as SerializedMessage;
}

/**
 * A {@link SerializedMessage} read back into a LangChain message of its class; a type
 * this library does not know becomes an `AIMessageChunk` with the same fields.
 */
export function deserializeMessage(message: SerializedMessage): BaseMessage {
  const { type, ...fields } = message;
  const Class = messageClasses[type] ?? AIMessageChunk;
  return new Class(fields as never);
}
