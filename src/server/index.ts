/**
 * `agntcy-acp/server`: serve compiled LangGraph.js graphs as Agent Connect Protocol
 * agents, every operation of ACP 0.2.3 over HTTP.
 *
 * ```ts
 * const running = await serveACP({
 *   agents: [{ graph, descriptor }],
 *   apiKey: process.env.ACP_API_KEY,
 *   checkpointer: SqliteSaver.fromConnString("acp.sqlite"),
 *   store: sqliteStore("acp.sqlite"),
 *   port: 8000,
 * });
 * // ... running.url ...
 * await running.close();
 * ```
 *
 * `createACPServer(options).app` is the bare Hono app, to mount in another app.
 * The checkpointer keeps the graphs' state; the store keeps runs, their events and
 * threads (`memoryStore()` by default, `sqliteStore(file)` to keep them across restarts).
 *
 * Every agent is served over A2A v1.0 too, on the same runs (`a2a: false` turns it
 * off): at `<server>/a2a/<agent id>/`, its card at
 * `<server>/a2a/<agent id>/.well-known/agent-card.json`; `publicUrl` names the URL the
 * cards give behind a proxy.
 */

export {
  INTERRUPT_ANSWERS_KEY,
  INTERRUPTS_FIELD,
  type InterruptAnswers,
  interruptAnswers,
  isInterruptAnswers,
  type PendingInterrupt,
  pendingInterruptsOf,
} from "../core/langgraph-interrupts.js";
export {
  isLangGraphStreamUpdate,
  LANGGRAPH_STREAM_KEY,
  LANGGRAPH_STREAM_MODES,
  type LangGraphMessageMetadata,
  type LangGraphMessagesUpdate,
  type LangGraphStreamMode,
  type LangGraphStreamUpdate,
  type LangGraphUpdatesUpdate,
  langGraphStreamUpdateSchema,
  type SerializedMessage,
} from "../core/langgraph-stream.js";
export { deriveAgentId, withLangGraphStreaming } from "./descriptor.js";
export {
  ACPServerError,
  AgentNotFoundError,
  BodyTooLargeError,
  CheckpointNotFoundError,
  DEFAULT_STORE_RETRY_AFTER_SECONDS,
  InvalidRequestError,
  LimitExceededError,
  type MissingKind,
  ResourceNotFoundError,
  RunNotFoundError,
  RunStateConflictError,
  ServerClosingError,
  ServerStartError,
  StateConflictError,
  ThreadBusyError,
  ThreadExistsError,
  ThreadNotFoundError,
} from "./errors.js";
export { type ACPServer, createACPServer } from "./http/app.js";
export { DEFAULT_JSON_LIMITS, type JsonLimits } from "./json-limits.js";
export type {
  ACPAgentOptions,
  ACPServerLogger,
  ACPServerOptions,
  CorsOptions,
  InterruptPayloadShape,
  ServableGraph,
} from "./options.js";
export { type RunningACPServer, type ServeACPOptions, serveACP } from "./serve.js";
export * from "./stores/index.js";
export type { WebhookOptions } from "./webhooks/policy.js";
