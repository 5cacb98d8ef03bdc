import { type Context, Hono, type Next } from "hono";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import { ApiValueError } from "../../core/errors.js";
import { isUuid } from "../../core/json-guards.js";
import { messageOf } from "../../core/message-of.js";
import { requestUntraced, startServerRequest } from "../../core/tracing-server.js";
import { createA2AServer } from "../a2a/a2a-server.js";
import { AgentRegistry } from "../agents.js";
import { BodyTooLargeError, ServerStartError } from "../errors.js";
import { DEFAULT_JSON_LIMITS } from "../json-limits.js";
import type { ACPServerOptions } from "../options.js";
import { GraphState } from "../runs/graph-state.js";
import { RunErrorReporter } from "../runs/run-errors.js";
import type { RunRecord } from "../runs/run-record.js";
import { RunManager } from "../runs/runs.js";
import { isThreadId, ThreadService } from "../runs/threads.js";
import { memoryStore } from "../stores/memory.js";
import { ServerMemorySaver } from "../stores/memory-saver.js";
import { WebhookNotifier } from "../webhooks/notifier.js";
import { requireApiKey } from "./auth.js";
import { readBodyText } from "./body.js";
import { mountBrowserAccess } from "./browser-access.js";
import { errorAnswer } from "./error-status.js";
import { agentHandlers } from "./handlers-agents.js";
import { runHandlers } from "./handlers-runs.js";
import { threadHandlers } from "./handlers-threads.js";
import { interruptShaper } from "./interrupt-shape.js";
import { CachedRouter } from "./route-cache.js";
import { type IdForm, registerOperations } from "./router.js";

/** An ACP server: a Hono app serving LangGraph.js graphs as ACP agents. */
export interface ACPServer {
  /** The Hono app; mount it in another app or serve it with any Hono adapter. */
  readonly app: Hono;
  /** Answers one request (the app's `fetch`). */
  fetch(request: Request): Promise<Response>;
  /**
   * Resolves once the runs an earlier server left in the store are recovered (see
   * `ACPServerOptions.store`); rejects when the store cannot be opened or read.
   * Requests wait for it, so awaiting it is only needed to fail early.
   */
  readonly ready: Promise<void>;
  /**
   * Stops accepting runs, stops the running ones and resolves once their streams have
   * ended; then closes the store.
   */
  close(): Promise<void>;
}

/**
 * Builds an ACP server for `options.agents`. Every operation of the protocol is
 * answered; runs execute in the background on the server's checkpointer.
 */
export function createACPServer(options: ACPServerOptions): ACPServer {
  if (options.apiKey !== undefined && options.apiKey.trim() === "") {
    throw new ApiValueError(
      "apiKey is empty: a server with an empty key would let in any request that sends an empty x-api-key header; set a non-empty key, or leave apiKey out to serve without one",
      ["apiKey"],
    );
  }
  const logger = options.logger ?? console;
  const store = options.store ?? memoryStore({ logger });
  // A store that brings its checkpointer (PostgreSQL) keeps graph state beside its records.
  const saver = options.checkpointer ?? store.checkpointer ?? new ServerMemorySaver();
  const agents = new AgentRegistry(options.agents, saver);
  const limits = { ...DEFAULT_JSON_LIMITS, ...options.jsonLimits };
  const webhooks = new WebhookNotifier<RunRecord>(options.webhooks ?? {}, logger);
  const runs = new RunManager({
    agents,
    saver,
    store,
    logger,
    limits,
    webhooks,
    errors: new RunErrorReporter(options.exposeErrors === true, logger),
    maxEventLogBytes: options.maxEventLogBytes ?? 1024 * 1024,
    ...(options.runTimeoutMs !== undefined ? { runTimeoutMs: options.runTimeoutMs } : {}),
    ...(options.finishedRunTtlMs !== undefined
      ? { finishedRunTtlMs: options.finishedRunTtlMs }
      : {}),
    ...(options.storeRetryMs !== undefined ? { storeRetryMs: options.storeRetryMs } : {}),
  });
  const threads = new ThreadService({
    store: store.threads,
    graphState: new GraphState(saver),
    agents,
    runs,
    limits,
  });
  const ready = runs.recover();
  // Once recovered, requests go on without waiting on `ready` (a promise per request).
  let recovered = false;
  // Marked handled here: each request awaits it, and answers 500 if it failed: a store
  // that could not be opened at start is a broken server, not one to retry soon.
  ready.then(
    () => {
      recovered = true;
    },
    () => undefined,
  );
  const streams = new Set<Promise<void>>();
  const track = (ended: Promise<void>) => {
    streams.add(ended);
    void ended.then(() => streams.delete(ended));
  };

  const app = new Hono({ router: new CachedRouter() });
  app.onError((err, c) => {
    const answer = errorAnswer(c, err);
    if (answer) return c.json(err.message, answer.status, answer.headers);
    if (err instanceof HTTPException) {
      return c.json(err.message || "the request was refused", err.status);
    }
    logger.warn(`${c.req.method} ${new URL(c.req.url).pathname} failed: ${messageOf(err)}`);
    return c.json("internal server error", 500);
  });
  app.notFound((c) => c.json(`no operation ${c.req.method} ${new URL(c.req.url).pathname}`, 404));
  // A SERVER span per request, under the caller's trace; its runs' spans nest under it.
  // Without an SDK or a LangSmith trace to continue, it costs a header lookup.
  app.use("*", (c, next) =>
    requestUntraced((name) => c.req.header(name)) ? next() : traceRequest(c, next),
  );
  mountBrowserAccess(app, options);
  if (options.apiKey !== undefined) app.use("*", requireApiKey(options.apiKey));
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  // A declared length over the limit is refused on any path; operations with a body
  // also stop reading at the limit (see `readBodyText`). Recovery is asynchronous and
  // `createACPServer` is not: requests wait for it instead.
  app.use("*", (c, next) => {
    const declared = c.req.header("content-length");
    if (declared !== undefined && Number(declared) > maxBodyBytes) {
      throw new BodyTooLargeError(maxBodyBytes);
    }
    if (recovered) return next();
    return ready.then(next, (cause: unknown) => {
      throw new ServerStartError(cause);
    });
  });
  const agentIdForm: IdForm = {
    test: (id) => isUuid(id) || agents.find(id) !== undefined,
    expected: "a UUID nor the id of an agent of this server",
  };
  const idForms: Record<string, IdForm> = {
    // Run ids are UUIDs this server handed out.
    run_id: { test: isUuid, expected: "a UUID" },
    thread_id: {
      test: isThreadId,
      expected: "a UUID (or a thread name: 1-128 letters, digits, '.', '_', ':' or '-')",
    },
    agent_id: agentIdForm,
  };
  registerOperations(
    app,
    {
      ...agentHandlers(agents),
      ...runHandlers({
        runs,
        threads,
        track,
        keepAliveMs: options.keepAliveMs ?? 15_000,
        shapeOutput: interruptShaper(options.interruptPayloadShape ?? "spec", agents, logger),
        agentIdForm,
      }),
      ...threadHandlers(threads),
    },
    idForms,
    maxBodyBytes,
  );
  // A2A on the same runs, behind the same key, limits and start.
  const a2a =
    options.a2a === false
      ? undefined
      : createA2AServer({
          agents,
          runs,
          store: store.runs,
          pushConfigs: store.pushConfigs,
          webhooks,
          apiKey: options.apiKey !== undefined,
          ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
          readBody: (c) => readBodyText(c, maxBodyBytes),
          keepAliveMs: options.keepAliveMs ?? 15_000,
          track,
          logger,
        });
  if (a2a) app.route("/", a2a.app);

  return {
    app,
    fetch: async (request) => app.fetch(request),
    ready,
    async close() {
      await ready.catch(() => undefined);
      a2a?.close();
      await runs.close();
      await Promise.all([...streams]);
      await store.close();
    },
  };
}

/** Handles a request inside its SERVER span (and the caller's LangSmith trace). */
async function traceRequest(c: Context, next: Next): Promise<void> {
  const trace = await startServerRequest(c.req.raw);
  if (!trace) return next();
  await trace.run(next);
  // The route of the handler that answered; "*" when only middleware did.
  const route = routePath(c);
  trace.end(c.res.status, route === "*" ? undefined : route, c.error);
}
