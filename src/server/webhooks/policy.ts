/**
 * Where a run's webhook may point. A webhook URL comes from whoever creates the
 * run, so without a policy the server would POST to its own loopback services,
 * the private network behind it or a cloud metadata endpoint on their behalf.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { ApiValueError } from "../../core/errors.js";
import { ACPServerError } from "../errors.js";
import { isPublicAddress } from "./addresses.js";

/** How the server delivers run status changes to webhooks. */
export interface WebhookOptions {
  /**
   * The origins (`https://hooks.example.com`, `http://10.0.0.5:8080`) webhooks may
   * go to, or a function that decides for each URL. Default: any origin. Either
   * way, an address in a private range is refused unless
   * {@link allowPrivateNetworks} says otherwise, so an allowed name that comes to
   * resolve to a private address is still refused.
   */
  allow?: readonly string[] | ((target: URL) => boolean);
  /**
   * Let webhooks reach loopback, private, link-local and other non-public
   * addresses (`localhost`, `127.0.0.1`, `10.x`, `169.254.169.254`, `::1`, ...).
   * For local development and tests; default false.
   */
  allowPrivateNetworks?: boolean;
  /**
   * How many deliveries may be under way at once, server-wide. Each attempt has a
   * connection of its own, closed once answered, so this is also the most sockets
   * open to webhook endpoints at once. A whole number, default 8.
   */
  maxConcurrent?: number;
  /** How many deliveries may wait for their turn; later ones are dropped and logged. Default 1000. */
  maxQueued?: number;
  /**
   * How long one delivery attempt may take, in ms, from when its turn comes (time
   * spent waiting behind other deliveries does not count) until the answer's
   * headers; and how long a closing server waits for deliveries before it abandons
   * them. Default 10000.
   */
  timeoutMs?: number;
  /** How many times a delivery answered 429, 502, 503 or 504, or not reached, is retried. Default 2. */
  retries?: number;
  /**
   * How many A2A push notification configs one task may have; creating one more is
   * refused (InvalidParams, naming this option). A whole number, default 10.
   */
  maxPushConfigsPerTask?: number;
}

/** A webhook target the policy refuses; the message says why, without the URL. */
export class WebhookRefusedError extends ACPServerError {
  override name = "WebhookRefusedError";
}

/** The policy of {@link WebhookOptions}, applied to URLs and to the addresses names resolve to. */
export class WebhookPolicy {
  readonly #origins: ReadonlySet<string> | undefined;
  readonly #decide: ((target: URL) => boolean) | undefined;
  readonly allowPrivateNetworks: boolean;

  constructor(options: WebhookOptions = {}) {
    const allow = options.allow;
    this.#decide = typeof allow === "function" ? allow : undefined;
    this.#origins = Array.isArray(allow) ? new Set(allow.map(originOf)) : undefined;
    this.allowPrivateNetworks = options.allowPrivateNetworks === true;
  }

  /**
   * Why `url` may not receive webhooks, or undefined when it may. Looks at the URL
   * only: a name's addresses are checked when the delivery connects.
   */
  refusal(url: string): string | undefined {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return "the webhook is not a URL";
    }
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      return "the webhook must be an http or https URL";
    }
    // fetch refuses to send such a URL, so each delivery would fail unseen; the
    // credentials themselves are never repeated.
    if (target.username !== "" || target.password !== "") {
      return "the webhook URL carries a user name or password (user:pass@host), which deliveries cannot send: put a token in its path or query instead";
    }
    if (this.#origins && !this.#origins.has(target.origin)) {
      return `the origin ${target.origin} is not among the server's allowed webhook origins`;
    }
    if (this.#decide && !this.#decide(target)) {
      return `the server's webhook policy refuses ${target.origin}`;
    }
    if (this.allowPrivateNetworks) return undefined;
    const host = target.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) !== 0) {
      return isPublicAddress(host) ? undefined : `${host} is not a public address`;
    }
    const name = host.toLowerCase().replace(/\.$/, "");
    if (name === "localhost" || name.endsWith(".localhost")) {
      return `${name} is a loopback name`;
    }
    return undefined;
  }

  /**
   * `dns.lookup` for the delivery's connections: resolves the name and refuses it
   * when any of its addresses is not public, so the address checked is the one
   * connected to.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const blocked = addresses.find((a) => !isPublicAddress(a.address));
      if (blocked) {
        return callback(
          new WebhookRefusedError(
            `${hostname} resolves to ${blocked.address}, not a public address`,
          ),
          [],
        );
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

/** The origin of an allow-list entry; an entry that is not an http(s) origin is a mistake. */
function originOf(entry: string): string {
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ApiValueError(
      `webhooks.allow: ${JSON.stringify(entry)} is not an http or https origin`,
      ["webhooks", "allow"],
    );
  }
  return url.origin;
}
