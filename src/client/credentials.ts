/**
 * Credentials on a request: the request's own `auth`, else the configuration's,
 * into headers, a cookie or the query, and the redactor that hides them again.
 */
import { headerCredentials, type SecretRedactor } from "../core/redact.js";
import type { ApiClientConfiguration, AuthSetting } from "./configuration.js";
import type { DraftRequest } from "./request-draft.js";
import type { RequestOptions } from "./types.js";

/**
 * Adds the credentials (the request's own `auth`, else the configuration's, read
 * after any refresh) and the request's extra headers, which win over both.
 */
export function withCredentials(
  configuration: ApiClientConfiguration,
  draft: DraftRequest,
  options: RequestOptions,
): BuiltRequest {
  const headers = draft.headers;
  const auths = options.auth ? { own: options.auth } : authSettingsOf(configuration);
  let authQuery: URLSearchParams | undefined;
  const credentialHeaders: string[] = [];
  for (const name in auths) {
    const auth = auths[name] as AuthSetting;
    if (auth.in === "query") {
      authQuery ??= new URLSearchParams();
      authQuery.set(auth.key, auth.value);
    } else {
      applyAuthHeader(auth, headers);
      credentialHeaders.push(auth.in === "header" ? auth.key.toLowerCase() : "cookie");
    }
  }
  if (options.headers) Object.assign(headers, options.headers);
  const url = authQuery ? `${draft.url}${draft.hasQuery ? "&" : "?"}${authQuery}` : draft.url;
  return new BuiltRequest(
    url,
    headers,
    draft.body,
    configuration.redactor(),
    options.auth,
    credentialHeaders,
    authQuery ? [...authQuery.keys()] : [],
  );
}

/** A request ready to send. */
export class BuiltRequest {
  readonly #known: SecretRedactor;
  readonly #auth: AuthSetting | undefined;
  #redactor: SecretRedactor | undefined;

  constructor(
    readonly url: string,
    /** Final: the redactor reads the credentials in them. */
    readonly headers: Readonly<Record<string, string>>,
    readonly body: string | undefined,
    /** The configuration's credentials as they were when the request was made. */
    known: SecretRedactor,
    /** The request's own credentials, in place of the configuration's. */
    auth: AuthSetting | undefined,
    /** The lower-case names of the headers the credentials went into. */
    readonly credentialHeaders: readonly string[],
    /** The query parameters the credentials went into. */
    readonly credentialQueryNames: readonly string[],
  ) {
    this.#known = known;
    this.#auth = auth;
  }

  /**
   * Hides the configuration's credentials and those this request's headers and
   * `auth` carry. Combined on first use: most requests never need it.
   */
  get redactor(): SecretRedactor {
    this.#redactor ??= this.#known.with([
      ...headerCredentials(this.headers),
      ...(this.#auth ? [this.#auth.value] : []),
    ]);
    return this.#redactor;
  }
}

/**
 * The credentials of a configuration, worked out once per configuration: it never
 * changes (a refresh makes a new one).
 */
const authSettingsCache = new WeakMap<
  ApiClientConfiguration,
  Readonly<Record<string, AuthSetting>>
>();

function authSettingsOf(
  configuration: ApiClientConfiguration,
): Readonly<Record<string, AuthSetting>> {
  let settings = authSettingsCache.get(configuration);
  if (settings === undefined) {
    settings = Object.freeze(configuration.authSettings());
    authSettingsCache.set(configuration, settings);
  }
  return settings;
}

/** Sets a header or cookie credential. */
function applyAuthHeader(auth: AuthSetting, headers: Record<string, string>): void {
  if (auth.in === "header") headers[auth.key] = auth.value;
  else headers.Cookie = [headers.Cookie, `${auth.key}=${auth.value}`].filter(Boolean).join("; ");
}
