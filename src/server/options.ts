import type { BaseCheckpointSaver, Pregel } from "@langchain/langgraph";
import type { AgentACPDescriptor } from "../models/index.js";

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
}

/** Where the server reports what it does; nothing secret is ever passed to it. */
export interface ACPServerLogger {
  warn(message: string): void;
}

/** How to build an ACP server. */
export interface ACPServerOptions {
  /** The agents to offer; at least one. */
  agents: readonly ACPAgentOptions[];
  /** When set, every request must carry it in `x-api-key`. */
  apiKey?: string;
  /**
   * Where thread state, thread records and run records live. Defaults to an in-memory
   * `MemorySaver`; pass a persistent one (e.g. `SqliteSaver`) to keep threads and runs
   * across restarts. A server started on a checkpointer that holds runs ends those that
   * were still executing (a crash) in status `error`, errcode 503; interrupted ones can
   * be resumed. So one checkpointer store serves one server at a time.
   */
  checkpointer?: BaseCheckpointSaver;
  /** How often an idle stream sends a keep-alive comment, in ms. Default 15000. */
  keepAliveMs?: number;
  /**
   * A run that executes longer than this (ms) before it ends or stops at an interrupt
   * is stopped with status `timeout`; each resume starts the clock again. Off by default.
   */
  runTimeoutMs?: number;
  /**
   * How many runs are kept in memory, where their streams can be replayed from
   * `Last-Event-ID`. Beyond it the oldest runs that are not executing leave memory; they
   * stay in the checkpointer and are read back when asked for (with the default
   * `MemorySaver` that is memory too: runs stay until they are deleted). Default 10000.
   */
  maxRetainedRuns?: number;
  /** How many times a failed webhook delivery is retried. Default 3. */
  webhookRetries?: number;
  /** The largest request body accepted, in bytes. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Where warnings go; defaults to `console`. */
  logger?: ACPServerLogger;
}
