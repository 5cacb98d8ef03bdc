/**
 * The SDK client an A2ANode talks through, built from an agent card or its URL. The
 * node's credentials (fixed headers, or an SDK `AuthenticationHandler`) go only to
 * trusted origins: the one the card was read from, or those of the interfaces of a
 * card given by hand, plus any named in `trustedOrigins`. A card is data from the
 * network, and may name an interface on any host; requests there go without
 * credentials, and a redirect to another origin is not followed.
 */
import type { AgentCard } from "@a2a-js/sdk";
import {
  type AuthenticationHandler,
  type Client,
  ClientFactory,
  createAuthenticatingFetchWithRetry,
  DefaultAgentCardResolver,
  type HttpHeaders,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from "@a2a-js/sdk/client";
import { fetchFollowingRedirects, type RedirectRules } from "../../client/redirects.js";
import { ApiTypeError } from "../../core/errors.js";
import { headerCredentials, isCredentialHeaderName, redactUrl } from "../../core/redact.js";
import { injectTraceHeaders } from "../../core/tracing.js";
import { ApiResponseTooLargeError, defaultClientLimits } from "../../index.js";

/** The transports A2ANode can use: JSON-RPC and HTTP+JSON (REST). */
export type A2ATransport = "JSONRPC" | "HTTP+JSON";

/** How to reach an A2A agent and authenticate to it. */
export interface A2AConnectionOptions {
  /** Headers sent with every request to a trusted origin, e.g. `{ authorization: "Bearer ..." }`. */
  headers?: Record<string, string>;
  /**
   * The SDK's pluggable authentication (`@a2a-js/sdk/client`), for credentials that
   * change or are obtained on a 401; used for trusted origins only, beside `headers`.
   */
  authHandler?: AuthenticationHandler;
  /**
   * More origins (`https://host:port`) that may receive the credentials. By default
   * only the card's own origin does (see the file comment).
   */
  trustedOrigins?: string[];
  /** The transport to use when the card offers several; the card's order decides otherwise. */
  transport?: A2ATransport;
  /** How many redirects a request with credentials follows (same origin only). Default 5. */
  maxRedirects?: number;
  /**
   * The largest response body read whole (the card, a task), in bytes; event streams
   * are bounded per event by the SDK instead. Default 64 MiB.
   */
  maxResponseBytes?: number;
}

/** An SDK client with what the node needs to know of it. */
export interface A2AConnection {
  client: Client;
  card: AgentCard;
  /**
   * The credentials sent so far (the fixed headers', and each the handler gave), to
   * hide in error messages; it grows as the handler gives new ones.
   */
  secrets: Set<string>;
}

/** The card's URL from what the user gave: a `.json` URL as it is, else a base URL. */
export function cardLocation(url: string): { base: string; path: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ApiTypeError(`the agent card URL ${JSON.stringify(redactUrl(url))} is not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ApiTypeError(`the agent card URL must be http or https, got ${parsed.protocol}`);
  }
  // A full card URL is read as it is; a base URL needs its trailing slash, or the
  // SDK's relative well-known path would replace its last segment.
  if (parsed.pathname.endsWith(".json")) return { base: parsed.href, path: "" };
  if (!parsed.pathname.endsWith("/")) parsed.pathname = `${parsed.pathname}/`;
  return { base: parsed.href, path: undefined };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function plainHeaders(headers: HeadersInit | undefined): Record<string, string> {
  return Object.fromEntries(new Headers(headers).entries());
}

/** `init` with the active trace's headers (W3C, LangSmith) added to its own. */
function traced(init: RequestInit | undefined): RequestInit {
  const headers = plainHeaders(init?.headers);
  injectTraceHeaders(headers);
  return { ...init, headers };
}

function requestUrl(input: string | URL | Request): string {
  if (typeof input === "string") return input;
  return input instanceof URL ? input.href : input.url;
}

/**
 * `response` with its body cut at `max` bytes: reading past it fails with
 * `ApiResponseTooLargeError`, so an agent cannot make the node hold an endless body.
 */
function bounded(response: Response, max: number): Response {
  const type = response.headers.get("content-type") ?? "";
  if (!response.body || max === Number.POSITIVE_INFINITY || type.startsWith("text/event-stream")) {
    return response;
  }
  let seen = 0;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > max) controller.error(new ApiResponseTooLargeError(max, "A2A"));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * A `fetch` that adds the credentials for trusted origins only, follows no redirect
 * of a credentialed request to another origin, and bounds the bodies it reads whole.
 */
function credentialedFetch(
  trusted: ReadonlySet<string>,
  options: A2AConnectionOptions,
  secrets: Set<string>,
): typeof fetch {
  const rules: RedirectRules = {
    crossOrigin: "refuse",
    max: options.maxRedirects ?? defaultClientLimits.maxRedirects,
    isCredentialHeader: isCredentialHeaderName,
    credentialQueryNames: [],
    operationId: "A2A",
  };
  const safe = ((input: string | URL | Request, init?: RequestInit) =>
    fetchFollowingRedirects(requestUrl(input), traced(init), rules)) as typeof fetch;
  const fixed = options.headers ?? {};
  const user = options.authHandler;
  const noted = (headers: HttpHeaders): HttpHeaders => {
    for (const secret of headerCredentials(headers)) secrets.add(secret);
    return headers;
  };
  const handler: AuthenticationHandler = {
    headers: async () => noted({ ...fixed, ...((await user?.headers()) ?? {}) }),
    shouldRetryWithHeaders: async (req, res) => {
      const next = await user?.shouldRetryWithHeaders(req, res);
      return next === undefined ? undefined : noted({ ...fixed, ...next });
    },
    ...(user?.onSuccessfulRetry ? { onSuccessfulRetry: user.onSuccessfulRetry.bind(user) } : {}),
  };
  const authed = createAuthenticatingFetchWithRetry(safe, handler);
  const max = options.maxResponseBytes ?? defaultClientLimits.maxResponseBytes;
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const origin = originOf(requestUrl(input));
    const trustedOrigin = origin !== undefined && trusted.has(origin);
    // Another origin gets no credentials, but the call's trace context all the same.
    return bounded(await (trustedOrigin ? authed(input, init) : fetch(input, traced(init))), max);
  }) as typeof fetch;
}

const TRANSPORTS: readonly A2ATransport[] = ["JSONRPC", "HTTP+JSON"];

/** Checks the options that would otherwise fail deep in the SDK with a plain Error. */
function checkOptions(options: A2AConnectionOptions): void {
  if (options.transport !== undefined && !TRANSPORTS.includes(options.transport)) {
    throw new ApiTypeError(
      `transport must be one of ${TRANSPORTS.join(", ")}, got ${JSON.stringify(options.transport)}`,
    );
  }
  const max = options.maxRedirects;
  if (max !== undefined && !(Number.isInteger(max) && max >= 0)) {
    throw new ApiTypeError(`maxRedirects must be a whole number >= 0, got ${max}`);
  }
  const bytes = options.maxResponseBytes;
  if (bytes !== undefined && !(bytes > 0)) {
    throw new ApiTypeError(`maxResponseBytes must be a positive number, got ${bytes}`);
  }
}

/** The SDK's client factory and card resolver, both on the node's `fetch`. */
function factoryFor(
  fetchImpl: typeof fetch,
  options: A2AConnectionOptions,
): { factory: ClientFactory; resolver: DefaultAgentCardResolver } {
  const resolver = new DefaultAgentCardResolver({ fetchImpl });
  const factory = new ClientFactory({
    transports: [
      new JsonRpcTransportFactory({ fetchImpl }),
      new RestTransportFactory({ fetchImpl }),
    ],
    cardResolver: resolver,
    ...(options.transport ? { preferredTransports: [options.transport] } : {}),
  });
  return { factory, resolver };
}

/** The credentials of the fixed headers: the start of a connection's secrets. */
export function fixedSecrets(options: A2AConnectionOptions): Set<string> {
  return new Set(headerCredentials(options.headers ?? {}));
}

function trustedOrigins(first: Iterable<string>, options: A2AConnectionOptions): Set<string> {
  const origins = new Set(first);
  for (const given of options.trustedOrigins ?? []) {
    const origin = originOf(given);
    if (origin === undefined) {
      throw new ApiTypeError(`trustedOrigins: ${JSON.stringify(redactUrl(given))} is not a URL`);
    }
    origins.add(origin);
  }
  return origins;
}

/** Reads the card at `url` (a base URL or the card's own URL) and builds a client from it. */
export async function connectByUrl(
  url: string,
  options: A2AConnectionOptions,
  secrets: Set<string>,
): Promise<A2AConnection> {
  checkOptions(options);
  const { base, path } = cardLocation(url);
  const trusted = trustedOrigins([new URL(base).origin], options);
  const { factory, resolver } = factoryFor(credentialedFetch(trusted, options, secrets), options);
  const card = await resolver.resolve(base, path);
  const client = await factory.createFromAgentCard(card);
  return { client, card, secrets };
}

/** Builds a client from a card given by hand; its interfaces' origins are trusted. */
export async function connectByCard(
  card: AgentCard,
  options: A2AConnectionOptions,
  secrets: Set<string>,
): Promise<A2AConnection> {
  checkOptions(options);
  const own = (card.supportedInterfaces ?? []).flatMap((i) => originOf(i.url) ?? []);
  const trusted = trustedOrigins(own, options);
  const { factory } = factoryFor(credentialedFetch(trusted, options, secrets), options);
  const client = await factory.createFromAgentCard(card);
  return { client, card, secrets };
}
