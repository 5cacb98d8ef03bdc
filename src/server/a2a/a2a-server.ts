/**
 * Every agent of the server over A2A v1.0, beside ACP and on the same runs: each agent
 * at `<server>/a2a/<agent id>/` (JSON-RPC there, HTTP+JSON under `rest`), its card at
 * `.well-known/agent-card.json` under that base, and, when the server has one agent,
 * at the server's own `/.well-known/agent-card.json` too.
 */
import { setMaxListeners } from "node:events";
import { AgentCard } from "@a2a-js/sdk";
import { type Context, Hono } from "hono";
import { ApiValueError } from "../../core/errors.js";
import type { AgentRegistry, RegisteredAgent } from "../agents.js";
import type { ACPServerLogger } from "../options.js";
import type { RunRecord } from "../runs/run-record.js";
import type { RunManager } from "../runs/runs.js";
import type { PushConfigStore } from "../stores/push-configs.js";
import type { RunStore } from "../stores/store.js";
import type { WebhookNotifier } from "../webhooks/notifier.js";
import { AgentRuns } from "./agent-runs.js";
import { agentBasePath, agentCard } from "./card.js";
import { RunPushNotificationStore } from "./push-configs.js";
import { PushDeliveries } from "./push-delivery.js";
import { type AgentPush, AgentRequestHandler } from "./request-handler.js";
import { jsonRpcBinding, restBinding, type TransportDeps } from "./transport.js";

/** What serving A2A needs from the server. */
export interface A2AServerDeps extends TransportDeps {
  agents: AgentRegistry;
  runs: RunManager;
  /** Where runs are stored. */
  store: RunStore;
  /**
   * Where push notification configs are kept; without it the agents send no push
   * notifications.
   */
  pushConfigs?: PushConfigStore | undefined;
  /** The server's webhook notifier: push notifications go through its policy and limits. */
  webhooks: WebhookNotifier<RunRecord>;
  /** True when requests need the server's `x-api-key`; the cards say so. */
  apiKey: boolean;
  /**
   * The URL the server is reached at from outside (behind a proxy), written into the
   * cards; by default each request's own origin.
   */
  publicUrl?: string;
  logger: ACPServerLogger;
}

/** The A2A side of a server. */
export interface A2AServer {
  /** The routes, to mount at the server's root. */
  readonly app: Hono;
  /** Ends every A2A stream: the server closes. */
  close(): void;
}

/** `publicUrl` checked: an http(s) URL, without a trailing slash. */
function publicPrefix(publicUrl: string | undefined): string | undefined {
  if (publicUrl === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new ApiValueError(`publicUrl ${JSON.stringify(publicUrl)} is not a URL`, ["publicUrl"]);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash) {
    throw new ApiValueError("publicUrl must be an http or https URL without a query or fragment", [
      "publicUrl",
    ]);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** Serves the agents of `deps.agents` over A2A. */
export function createA2AServer(deps: A2AServerDeps): A2AServer {
  const prefix = publicPrefix(deps.publicUrl);
  const closing = new AbortController();
  // Every task followed at the moment listens to it, as many as requests are under way.
  setMaxListeners(0, closing.signal);
  const security = { apiKey: deps.apiKey };
  const served = new Map<string, { agent: RegisteredAgent; handler: AgentRequestHandler }>();
  const agentIds = new Set(deps.agents.all().map((a) => a.agentId));
  const push: AgentPush | undefined = deps.pushConfigs && {
    store: new RunPushNotificationStore(deps.pushConfigs, deps.webhooks),
    deliveries: new PushDeliveries({
      configs: deps.pushConfigs,
      webhooks: deps.webhooks,
      agentIds,
      logger: deps.logger,
    }),
    webhooks: deps.webhooks,
  };
  const stopPush = push?.deliveries.listen();
  for (const agent of deps.agents.all()) {
    const agentRuns = new AgentRuns(
      { runs: deps.runs, store: deps.store, closing: closing.signal, logger: deps.logger },
      agent.agentId,
    );
    // The handler reads its card for what the agent offers, never for its URLs.
    const card = agentCard(
      agent,
      `${prefix ?? "http://localhost"}${agentBasePath(agent.agentId)}`,
      security,
      push !== undefined,
    );
    const handler = new AgentRequestHandler({
      agent,
      agentRuns,
      card,
      store: deps.store,
      ...(push ? { push } : {}),
      logger: deps.logger,
    });
    served.set(agent.agentId, { agent, handler });
  }
  const baseUrl = (c: Context, agentId: string) =>
    `${prefix ?? new URL(c.req.url).origin}${agentBasePath(agentId)}`;
  const cardOf = (c: Context, agent: RegisteredAgent) =>
    c.json(
      AgentCard.toJSON(
        agentCard(agent, baseUrl(c, agent.agentId), security, push !== undefined),
      ) as object,
    );
  const notServed = (c: Context) =>
    c.json(`no agent ${c.req.param("agentId") ?? ""} is served over A2A here`, 404);
  const jsonRpc = jsonRpcBinding(deps);
  const rest = restBinding(deps);

  const app = new Hono();
  app.get("/a2a/:agentId/.well-known/agent-card.json", (c) => {
    const found = served.get(c.req.param("agentId"));
    return found ? cardOf(c, found.agent) : notServed(c);
  });
  const only = served.size === 1 ? [...served.values()][0] : undefined;
  if (only) app.get("/.well-known/agent-card.json", (c) => cardOf(c, only.agent));
  for (const path of ["/a2a/:agentId", "/a2a/:agentId/"]) {
    app.post(path, (c) => {
      const found = served.get(c.req.param("agentId") ?? "");
      return found ? jsonRpc(c, found.handler) : notServed(c);
    });
  }
  app.all("/a2a/:agentId/rest/*", (c) => {
    const found = served.get(c.req.param("agentId") ?? "");
    if (!found) return notServed(c);
    // The path after `<base>rest` (Hono gives it decoded).
    return rest(c, found.handler, `/${c.req.path.split("/").slice(4).join("/")}`);
  });
  return {
    app,
    close: () => {
      stopPush?.();
      closing.abort();
    },
  };
}
