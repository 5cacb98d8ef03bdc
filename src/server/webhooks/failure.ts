/**
 * How a failed webhook delivery is told in a log line: the error and what caused
 * it, down its `cause` chain (`fetch failed` says nothing; `connect ECONNREFUSED`
 * does), with the URL and any credentials it carries taken out.
 */
import { AttemptTimeoutError } from "../../core/fetch-with-retry.js";
import { WebhookRefusedError } from "./policy.js";

/** How many links of a `cause` chain are told; a longer one is cut there. */
const MAX_CAUSES = 5;

/** Why a delivery to `url` failed with `error`, in words fit for a log line. */
export function describeFailure(error: unknown, url: string): string {
  const links: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSES && current !== undefined; depth++) {
    // These two say all there is to say: the rest of their chain is the fetch around them.
    if (current instanceof WebhookRefusedError) return `refused: ${current.message}`;
    if (current instanceof AttemptTimeoutError) return `no answer within ${current.ms} ms`;
    links.push(describeOne(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return withoutUrl(links.join(", caused by "), url);
}

/** One error of the chain: its name, message and system error code. */
function describeOne(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  // Happy eyeballs fails with an AggregateError and no message: its errors say why.
  const message =
    error.message ||
    (error instanceof AggregateError ? error.errors.map((e) => describeOne(e)).join("; ") : "");
  const text = message ? `${error.name}: ${message}` : error.name;
  return typeof code === "string" && !text.includes(code) ? `${text} (${code})` : text;
}

/** `text` without the webhook URL, its query or its credentials, wherever they appear. */
function withoutUrl(text: string, url: string): string {
  let out = text.replaceAll(url, "<webhook URL>");
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return out;
  }
  out = out.replaceAll(target.href, "<webhook URL>");
  for (const secret of [target.search, target.password, target.username]) {
    if (secret.length > 1) out = out.replaceAll(secret, "<redacted>");
  }
  return out;
}
