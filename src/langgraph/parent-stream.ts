/**
 * The parent graph's stream and channels, as a node sees them. LangGraph hands a node no public handle
 * on the stream its graph is read through: with `subgraphs: true` a local subgraph finds it in the config
 * under a key LangGraph does not export (as LangGraph's own `RemoteGraph` does), with
 * the stream modes the caller asked for. This file is the one place that reads it, so
 * a LangGraph upgrade that changes it breaks one test (`test/unit/langgraph-internals`)
 * rather than the nodes.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";

/** The config key of the stream a subgraph writes its chunks to (LangGraph's `CONFIG_KEY_STREAM`). */
export const STREAM_KEY = "__pregel_stream";

/** The name of LangChain's handler behind `streamEvents` (its `EventStreamCallbackHandler`). */
const EVENT_STREAM_HANDLER = "event_stream_tracer";

/** The name of LangGraph's handler behind the `messages` stream mode. */
const MESSAGES_HANDLER = "StreamMessagesHandler";

/** The stream of the graph a node runs in: the modes asked for, and a way to add chunks. */
export interface ParentStream {
  /** The stream modes the parent graph is read with (`values`, `updates`, `messages`, ...). */
  readonly modes: ReadonlySet<string>;
  /** Adds a chunk of `mode` under `namespace`, as a subgraph at that namespace would. */
  push(namespace: string[], mode: string, data: unknown): void;
}

interface StreamProtocol {
  modes: Set<string>;
  push(chunk: [string[], string, unknown]): void;
}

function isStreamProtocol(value: unknown): value is StreamProtocol {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { modes?: unknown }).modes instanceof Set &&
    typeof (value as { push?: unknown }).push === "function"
  );
}

/** The parent's stream, when the parent graph is being streamed. */
export function parentStreamOf(config: LangGraphRunnableConfig): ParentStream | undefined {
  const stream: unknown = config.configurable?.[STREAM_KEY];
  if (!isStreamProtocol(stream)) return undefined;
  return {
    modes: stream.modes,
    push: (namespace, mode, data) => stream.push([namespace, mode, data]),
  };
}

/** Whether the node runs under `streamEvents`, whose events come from callbacks. */
export function underStreamEvents(config: LangGraphRunnableConfig): boolean {
  return hasHandler(config, EVENT_STREAM_HANDLER);
}

/**
 * Whether the parent's streams show chat model tokens: its `messages` mode, or
 * `streamEvents`. Both are callback handlers LangChain hands the node's config (the
 * parent's stream itself reaches a node only with `subgraphs: true`).
 */
export function parentShowsTokens(config: LangGraphRunnableConfig): boolean {
  return hasHandler(config, MESSAGES_HANDLER) || hasHandler(config, EVENT_STREAM_HANDLER);
}

function hasHandler(config: LangGraphRunnableConfig, name: string): boolean {
  const callbacks: unknown = config.callbacks;
  const handlers: unknown = Array.isArray(callbacks)
    ? callbacks
    : (callbacks as { handlers?: unknown } | undefined)?.handlers;
  return (
    Array.isArray(handlers) && handlers.some((h) => (h as { name?: unknown } | null)?.name === name)
  );
}

/** The config key of the function that reads the graph's channels (LangGraph's `CONFIG_KEY_READ`). */
export const READ_KEY = "__pregel_read";

/**
 * Whether `key` names a channel of the graph the node runs in: true or false when the
 * graph says, undefined when it cannot be asked (the node runs outside a graph).
 * LangGraph drops a node's write to a key that is no channel without a word; this is
 * how a node finds out first. Reading an unknown channel fails, a known one answers
 * its value (or nothing when it has none yet).
 */
export function isGraphChannel(config: LangGraphRunnableConfig, key: string): boolean | undefined {
  const read: unknown = config.configurable?.[READ_KEY];
  if (typeof read !== "function") return undefined;
  try {
    read(key, false);
    return true;
  } catch {
    return false;
  }
}
