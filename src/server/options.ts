import type { BaseCheckpointSaver, Pregel } from "@langchain/langgraph";
import type { AgentACPDescriptor } from "../models/index.js";
import type { JsonLimits } from "./json-limits.js";
import type { ServerStore } from "./stores/store.js";
import type { WebhookOptions } from "./webhooks/policy.js";

/** Any compiled LangGraph.js graph (a `CompiledStateGraph` or another `Pregel`). */
// biome-ignore lint/suspicious/noExplicitAny: a server serves graphs of every node, channel and state type
export type ServableGraph = Pregel<any, any, any, any, any, any, any, any, any, any, any>;

/** One agent the server offers. */
export interface ACPAgentOptions {
  /** The compiled graph that runs the agent. */
  graph: ServableGraph;
  /** Its ACP descriptor, or an agent manifest that contains one. */
  descriptor: AgentACPDescriptor | Record<string, unknown>;
  /** Its id; by default a UUID derived from the descriptor's name and version. */
  agentId?: string;
  /**
   * Let its runs ask for LangGraph's `messages` (model tokens) and `updates` (each
   * node's delta) stream modes, carried as custom events in one envelope
   * (`LangGraphStreamUpdate`). The agent then declares
   * `capabilities.streaming.custom` and a `custom_streaming_update` schema derived from
   * the envelope's (any of it and the agent's own schema, when it declares one). A run
   * asks with `config.configurable.langgraph_stream_mode: ["messages", "updates"]`;
   * a run that does not ask gets nothing more. Off by default: the key is then removed
   * from runs' config and the ask ignored.
   */
  streamLangGraph?: boolean;
}

/**
 * Where the server reports what it does. No credential of the server or of its
 * clients is passed to it; the full text of a graph's errors is (see `exposeErrors`).
 */
export interface ACPServerLogger {
  /** Receives one warning line. */
  warn(message: string): void;
}

/**
 * How a wait answer carries an interrupt's payload (`output.interrupt`); see
 * {@link ACPServerOptions.interruptPayloadShape}.
 */
export type InterruptPayloadShape = "spec" | "reference";

/**
 * Which browser pages on other origins may call the server (CORS); see
 * {@link ACPServerOptions.cors}.
 */
export interface CorsOptions {
  /** The origins allowed, e.g. `["https://app.example.com"]`; `"*"` allows any. */
  origins: readonly string[] | "*";
  /**
   * Request headers allowed beside the ones the client sends itself (`content-type`,
   * `x-api-key`, `last-event-id`, `traceparent`, `tracestate`).
   */
  headers?: readonly string[];
}

/** How to build an ACP server. */
export interface ACPServerOptions {
  /** The agents to offer; at least one. */
  agents: readonly ACPAgentOptions[];
  /**
   * When set, every request must carry it in `x-api-key`. An empty (or blank) key
   * is refused: it would let in any request that sends an empty header.
   */
  apiKey?: string;
  /**
   * Where the graphs' state (thread values and history, interrupted runs) lives.
   * Defaults to an in-memory `MemorySaver`; pass a persistent one (e.g. `SqliteSaver`),
   * together with a persistent `store`, to keep threads and runs across restarts.
   */
  checkpointer?: BaseCheckpointSaver;
  /**
   * Where runs, their events and threads are recorded. Defaults to `memoryStore()`,
   * bounded in bytes; `sqliteStore(file)` keeps them across restarts. A server started
   * on a store that holds runs ends those that were still executing (a crash) in status
   * `error`, errcode 503; interrupted ones can be resumed. One SQLite or memory store
   * serves one server at a time.
   */
  store?: ServerStore;
  /** How deep and how large the values of a request may be (a 422 beyond). */
  jsonLimits?: Partial<JsonLimits>;
  /**
   * How many bytes of already stored events an executing run keeps in memory for the
   * readers of its stream; older events are read back from the store. Default 1 MiB.
   */
  maxEventLogBytes?: number;
  /**
   * Finished runs (not executing, not waiting at an interrupt) are deleted this long
   * (ms) after their last change, with their events. Off by default: runs stay until
   * deleted, or until a bounded store drops them.
   */
  finishedRunTtlMs?: number;
  /**
   * How long a run's end is written again while the store is unavailable (a database
   * restarting), waiting longer after each try, before its waiters are answered 503 and
   * told to wait again, in ms. Default 30000.
   */
  storeRetryMs?: number;
  /** How often an idle stream sends a keep-alive comment, in ms. Default 15000. */
  keepAliveMs?: number;
  /**
   * How the answers of the wait operations carry an interrupt's payload:
   * - `"spec"` (the default): the value the graph passed to `interrupt()`, as it is,
   *   which is what the spec's `InterruptPayloadSchema` describes and what clients
   *   written against the spec read;
   * - `"reference"`: wrapped as `{ "<interrupt_type>": value }`, with the type of the
   *   agent's first declared interrupt whose `interrupt_payload` schema the value
   *   matches, as the Python reference server (agntcy/workflow-srv) answers. Choose it
   *   when the callers are the Python reference `ACPNode`, which hands the value of
   *   the first key of the interrupt object to its graph's `interrupt()`. A value that
   *   matches no declared interrupt is sent as it is, and a warning is logged.
   *
   * Stream events carry the value as it is in both shapes, as the reference does.
   */
  interruptPayloadShape?: InterruptPayloadShape;
  /**
   * A run that executes longer than this (ms) before it ends or stops at an interrupt
   * is stopped with status `timeout`; each resume starts the clock again. Off by default.
   */
  runTimeoutMs?: number;
  /**
   * Where run webhooks may go and how they are delivered. By default only public
   * addresses are reached, 8 deliveries at once, each attempt within 10 s, retried
   * twice; redirects are never followed. See {@link WebhookOptions}.
   */
  webhooks?: WebhookOptions;
  /**
   * Send the full text of a graph's error to clients as the run's `description`.
   * Off by default: clients get the error's class and a fixed message, and the full
   * text goes to the logger.
   */
  exposeErrors?: boolean;
  /** The largest request body accepted, in bytes. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Where warnings go; defaults to `console`. */
  logger?: ACPServerLogger;
  /**
   * Serve every agent over A2A v1.0 as well, on the same runs: at
   * `<server>/a2a/<agent id>/` (JSON-RPC; HTTP+JSON under `rest`), with its agent card
   * at `<server>/a2a/<agent id>/.well-known/agent-card.json` (and at the server's own
   * `/.well-known/agent-card.json` when there is one agent). On by default; `false`
   * serves ACP only.
   */
  a2a?: boolean;
  /**
   * The URL clients reach the server at, when it is not the one requests arrive on
   * (behind a proxy): A2A agent cards give their interfaces' URLs under it, e.g.
   * `https://agents.example.com/acp`. By default each request's own origin.
   */
  publicUrl?: string;
  /**
   * Serve the playground page at `<server>/ui`: the agents, a form to start runs and
   * watch their streams, interrupts, threads, and each call written as `curl` and as
   * TypeScript. Off by default. Its assets are the package's own (nothing is fetched
   * from another origin); the API key, when the server has one, is asked on the page.
   */
  ui?: boolean;
  /**
   * Let browser pages on other origins call the API (CORS): the origins and extra
   * headers allowed. Off by default, and not needed for the playground, which is
   * served from the server's own origin.
   */
  cors?: CorsOptions;
}
