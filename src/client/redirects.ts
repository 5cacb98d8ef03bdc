/**
 * Redirects followed by the client itself rather than by `fetch`, so that a
 * credential never goes to an origin other than the one it was configured for:
 * `fetch` keeps custom headers such as `x-api-key` (and a 307 keeps the body)
 * on a redirect to any host.
 */

import { ApiRedirectRefusedError, ApiTooManyRedirectsError } from "../core/errors.js";
import type { FetchInit } from "../core/fetch-with-retry.js";

/** What a redirect to another origin does; same-origin redirects are always followed. */
export type CrossOriginRedirects =
  /** Not followed: the request fails with `ApiRedirectRefusedError`. */
  | "refuse"
  /**
   * Followed without any credential: every credential header of the request
   * (`Authorization`, `Cookie`, API-key and other credential-named headers, the
   * configured key names) and credential query parameters are removed. A redirect
   * that would send the request body to the other origin (307, 308) is refused.
   */
  | "strip-credentials";

/** True for a value of {@link CrossOriginRedirects}. */
export function isCrossOriginRedirects(value: unknown): value is CrossOriginRedirects {
  return value === "refuse" || value === "strip-credentials";
}

/** How one request follows redirects. */
export interface RedirectRules {
  crossOrigin: CrossOriginRedirects;
  /** How many redirects to follow at most. */
  max: number;
  /** True for a header (lower-case name) that carries a credential. */
  isCredentialHeader(name: string): boolean;
  /** Query parameters that carry a credential. */
  credentialQueryNames: readonly string[];
  /** The operation, for messages. */
  operationId?: string;
  /** The `fetch` each hop goes through; the global one when absent. */
  fetch?: typeof globalThis.fetch;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * Sends the request and follows the redirects `rules` allow, returning the first
 * answer that is not a redirect (or a redirect without a `Location`).
 */
export async function fetchFollowingRedirects(
  url: string,
  init: FetchInit,
  rules: RedirectRules,
): Promise<Response> {
  // Parsed only once a redirect comes: most answers are not one.
  let current: URL | undefined;
  let href = url;
  let request: FetchInit = init.redirect === "manual" ? init : { ...init, redirect: "manual" };
  let stripped = false;
  const send = rules.fetch ?? fetch;
  for (let followed = 0; ; followed++) {
    const response = await send(href, request as RequestInit);
    if (response.type === "opaqueredirect") {
      throw new ApiRedirectRefusedError(
        "the server answered with a redirect, and this runtime does not show where to; not followed",
        rules.operationId,
      );
    }
    if (!redirectStatuses.has(response.status)) return response;
    const location = response.headers.get("location");
    if (location === null) return response;
    void response.body?.cancel().catch(() => undefined);
    if (followed >= rules.max) throw new ApiTooManyRedirectsError(rules.max, rules.operationId);
    current ??= new URL(url);
    const next = nextUrl(location, current, rules.operationId);
    const keepsBody =
      response.status === 307 || response.status === 308 || request.body === undefined;
    const method = keepsBody ? request.method : request.method === "HEAD" ? "HEAD" : "GET";
    const crossOrigin = next.origin !== current.origin;
    if (crossOrigin && !stripped) {
      const refusal = refusalOf(rules, keepsBody && request.body != null, current, next);
      if (refusal) throw new ApiRedirectRefusedError(refusal, rules.operationId);
      stripped = true;
    }
    let headers = { ...(request.headers as Record<string, string>) };
    if (!keepsBody) headers = withoutBodyHeaders(headers);
    if (stripped) {
      headers = withoutCredentials(headers, rules);
      for (const name of rules.credentialQueryNames) next.searchParams.delete(name);
    }
    request = {
      ...request,
      method,
      headers,
      ...(keepsBody ? {} : { body: undefined }),
    };
    current = next;
    href = next.href;
  }
}

/** Why a cross-origin redirect is not followed; undefined when it may be. */
function refusalOf(
  rules: RedirectRules,
  resendsBody: boolean,
  from: URL,
  to: URL,
): string | undefined {
  const hop = `a redirect from ${from.origin} to another origin (${to.origin})`;
  if (rules.crossOrigin === "refuse") {
    return `${hop} was not followed (crossOriginRedirects: "refuse")`;
  }
  if (resendsBody) return `${hop} was not followed: it would send the request body there`;
  return undefined;
}

function nextUrl(location: string, base: URL, operationId: string | undefined): URL {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    throw new ApiRedirectRefusedError(
      "the server redirected to an unreadable location",
      operationId,
    );
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new ApiRedirectRefusedError(
      `the server redirected to a ${next.protocol} URL; only http and https are followed`,
      operationId,
    );
  }
  return next;
}

function withoutCredentials(
  headers: Record<string, string>,
  rules: RedirectRules,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !rules.isCredentialHeader(name.toLowerCase())),
  );
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)));
}
