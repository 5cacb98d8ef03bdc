/** Keeps credentials out of messages, logs and reports. */

const REDACTED = "<redacted>";

/** Replaces every known secret value in a text. */
export class SecretRedactor {
  readonly #secrets: string[];

  constructor(secrets: Iterable<string>) {
    // Longest first, so a key that contains a shorter secret is hidden whole.
    this.#secrets = [...new Set(secrets)]
      // A blank "secret" hides nothing and would shred every space of a text.
      .filter((s) => s.trim().length > 0)
      .sort((a, b) => b.length - a.length);
  }

  /** A redactor that also hides `more`. */
  with(more: Iterable<string>): SecretRedactor {
    return new SecretRedactor([...this.#secrets, ...more]);
  }

  /** `text` with every secret replaced by `<redacted>`. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.replaceAll(secret, REDACTED);
    return out;
  }
}

/** A URL with the password of its user part hidden; the text unchanged when it is not a URL. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (!url.password && !url.username) return text;
    if (url.password) url.password = "redacted";
    return url.toString().replace(/\/$/, text.endsWith("/") ? "/" : "");
  } catch {
    return text;
  }
}

/**
 * Header names that carry credentials. Values given per request (`headers`,
 * `auth`) are not known to the configuration's redactor, so the name decides;
 * it errs on the side of hiding (an `Idempotency-Key` counts too).
 */
const sensitiveHeader = /auth|cookie|key|token|secret|passw|credential|session|signature/i;

/** True for a header name that looks like it carries a credential. */
export function isCredentialHeaderName(name: string): boolean {
  return sensitiveHeader.test(name);
}

/** Headers fit for a log line: credentials and cookies hidden. */
export function redactHeaders(
  headers: Headers | Record<string, string>,
  redactor: SecretRedactor,
): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return Object.fromEntries(
    entries.map(([name, value]) => [
      name,
      sensitiveHeader.test(name) ? REDACTED : redactor.redact(value),
    ]),
  );
}

/**
 * The credentials a request's own headers carry (per-request `headers` or `auth`),
 * whole and without their scheme (`Bearer x` gives `x` too), so a server that
 * echoes them cannot put them in an error or a log line.
 */
export function headerCredentials(headers: Record<string, string>): string[] {
  return Object.entries(headers)
    .filter(([name]) => sensitiveHeader.test(name))
    .flatMap(([, value]) => [value, value.replace(/^\w+\s+/, "")]);
}
