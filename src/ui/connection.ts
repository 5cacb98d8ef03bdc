/**
 * The page's way to the server: the project's own client, on the origin the page
 * came from, with the API key the user typed (kept for this tab only).
 */
import { ACPClient, ApiClientConfiguration, ApiException } from "../index.js";

const KEY_ITEM = "acp-playground-api-key";

/** The API's base URL: the folder `/ui` is served from, so a path prefix is kept. */
export function apiBase(): string {
  return new URL(".", window.location.href).href.replace(/\/$/, "");
}

/** The key typed earlier in this tab; sessionStorage only, so it leaves with the tab. */
export function storedKey(): string | undefined {
  return window.sessionStorage.getItem(KEY_ITEM) ?? undefined;
}

/** Keeps (or, with an empty key, forgets) the key for this tab. */
export function storeKey(key: string): void {
  if (key === "") window.sessionStorage.removeItem(KEY_ITEM);
  else window.sessionStorage.setItem(KEY_ITEM, key);
}

/** A client on this server with `key`, if any. */
export function clientFor(key: string | undefined): ACPClient {
  const configuration = new ApiClientConfiguration({
    host: apiBase(),
    ...(key ? { apiKey: { "x-api-key": key } } : {}),
  });
  return new ACPClient({ configuration });
}

/** True when the server refused the request for want of a valid key. */
export function needsKey(error: unknown): boolean {
  return error instanceof ApiException && error.status === 401;
}

/** What to show for a failed call: the server's own message when it sent one. */
export function describeError(error: unknown): string {
  if (error instanceof ApiException) {
    // The server's errors are a JSON string (or an object with a message).
    const data = error.data as { message?: unknown; detail?: unknown } | string | undefined;
    const text =
      typeof data === "string"
        ? data
        : typeof data?.message === "string"
          ? data.message
          : typeof data?.detail === "string"
            ? data.detail
            : (error.body ?? error.message);
    return `${error.status ?? "error"}: ${text}`;
  }
  return error instanceof Error ? error.message : String(error);
}
