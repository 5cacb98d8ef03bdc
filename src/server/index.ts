/**
 * `agntcy-acp/server`: serve compiled LangGraph.js graphs as Agent Connect Protocol
 * agents, every operation of ACP 0.2.3 over HTTP.
 *
 * ```ts
 * const running = await serveACP({
 *   agents: [{ graph, descriptor }],
 *   apiKey: process.env.ACP_API_KEY,
 *   checkpointer: SqliteSaver.fromConnString("threads.sqlite"),
 *   port: 8000,
 * });
 * // ... running.url ...
 * await running.close();
 * ```
 *
 * `createACPServer(options).app` is the bare Hono app, to mount in another app.
 */

export { deriveAgentId, toDescriptor } from "./descriptor.js";
export { type ACPServer, createACPServer } from "./http/app.js";
export { ACPHttpError } from "./http/http-error.js";
export type {
  ACPAgentOptions,
  ACPServerLogger,
  ACPServerOptions,
  ServableGraph,
} from "./options.js";
export { type RunningACPServer, type ServeACPOptions, serveACP } from "./serve.js";
