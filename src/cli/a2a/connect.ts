/**
 * Connecting to an A2A agent from the command line with `@a2a-js/sdk`'s client: the
 * agent's base URL (its card at `<base>/.well-known/agent-card.json`) or its card's own
 * URL, the transport, and the key (`--api-key` or `ACP_API_KEY`, sent as `x-api-key`,
 * as this project's server asks) sent to the origin the person named only.
 */
import type { AgentCard } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { CliError } from "../cli-error.js";
import { apiKeyOf } from "../connect.js";
import type { CliIo } from "../io.js";

/** The transports the command line speaks, by the names cards give them. */
export const A2A_TRANSPORTS = ["JSONRPC", "HTTP+JSON"] as const;

/** The options every `acp a2a` command accepts. */
export interface A2AOptions {
  apiKey?: string;
  transport?: (typeof A2A_TRANSPORTS)[number];
}

/** A client of one agent and the card it was built from. */
export interface A2AConnection {
  client: Client;
  card: AgentCard;
}

/** Where the card is: a `.json` URL as it is, else a base URL with its trailing slash. */
function cardLocation(url: string): { base: URL; path: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`the agent URL ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliError(`the agent URL must be an http:// or https:// URL, got ${parsed.protocol}`);
  }
  if (parsed.pathname.endsWith(".json")) return { base: parsed, path: "" };
  // Without its trailing slash, the SDK's relative well-known path would replace the
  // base's last segment (the agent's id, on this project's server).
  if (!parsed.pathname.endsWith("/")) parsed.pathname = `${parsed.pathname}/`;
  return { base: parsed, path: undefined };
}

/**
 * `fetch` that adds the key to requests to `origin`, and to no other: a card may name
 * any host. A request with the key follows no redirect.
 */
function fetchWithKey(origin: string, key: string | undefined): typeof fetch {
  if (!key) return (input, init) => fetch(input, init);
  return (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (new URL(url).origin !== origin) return fetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set("x-api-key", key);
    // fetch would carry the key along a redirect to any host: a request with it follows none.
    return fetch(input, { ...init, headers, redirect: "error" });
  };
}

/**
 * A client of the agent at `url`, read from its card. The SDK is loaded only here, so
 * the commands that need no agent never load it.
 */
export async function connectA2A(url: string, opts: A2AOptions, io: CliIo): Promise<A2AConnection> {
  const { base, path } = cardLocation(url);
  const {
    ClientFactory,
    ClientFactoryOptions,
    DefaultAgentCardResolver,
    JsonRpcTransportFactory,
    RestTransportFactory,
  } = await import("@a2a-js/sdk/client");
  const fetchImpl = fetchWithKey(base.origin, apiKeyOf(opts, io));
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [
        new JsonRpcTransportFactory({ fetchImpl }),
        new RestTransportFactory({ fetchImpl }),
      ],
      ...(opts.transport ? { preferredTransports: [opts.transport] } : {}),
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
    }),
  );
  const client = await factory.createFromUrl(base.href, path);
  const card = await client.getAgentCard();
  if (
    opts.transport &&
    !card.supportedInterfaces.some((i) => i.protocolBinding === opts.transport)
  ) {
    const offered = card.supportedInterfaces.map((i) => i.protocolBinding).join(", ");
    throw new CliError(`the agent offers ${offered || "no transport"}, not ${opts.transport}`);
  }
  return { client, card };
}
