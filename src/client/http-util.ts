/** Small pieces of the transport: request timers, signals, headers, error codes. */
import type { Timeout } from "./configuration.js";
import type { ApiResponse } from "./types.js";

/** A timer that aborts a request when its time is up; knows whether it fired. */
export class Deadline {
  readonly ms: number | undefined;
  /** Made only when there is a time limit: most requests have none. */
  readonly #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  expired = false;

  constructor(timeout: Timeout | undefined) {
    this.ms =
      typeof timeout === "number"
        ? timeout
        : timeout && (timeout.connect ?? 0) + (timeout.read ?? 0) > 0
          ? (timeout.connect ?? 0) + (timeout.read ?? 0)
          : undefined;
    if (this.ms !== undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      this.#timer = setTimeout(() => {
        this.expired = true;
        controller.abort(new DOMException("request timed out", "TimeoutError"));
      }, this.ms);
    }
  }

  /** Aborts when the time is up; undefined when there is no timeout. */
  get signal(): AbortSignal | undefined {
    return this.#controller?.signal;
  }

  /** Stops the timer: the request finished. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}

/** One signal that fires when any of the given ones does. */
export function anySignal(
  signals: ReadonlyArray<AbortSignal | undefined>,
): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/** Response headers as a plain object with lower-case names. */
export function headersObject(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) out[name] = value;
  return out;
}

/** The system error code of a failed fetch (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...), if any. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      const inner = errors.map(errorCode).find((c) => c !== undefined);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The errors a failed fetch is made of: itself, its causes and, for several addresses, each try. */
function errorChain(error: unknown, depth = 0): unknown[] {
  if (!error || typeof error !== "object" || depth > 5) return [];
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  const inner = Array.isArray(errors) ? errors.flatMap((e) => errorChain(e, depth + 1)) : [];
  return [error, ...inner, ...errorChain(cause, depth + 1)];
}

/**
 * The cause of a failed fetch, for a message: each system error with the address it
 * concerns (`ECONNREFUSED 127.0.0.1:8000`), or, when fetch refused the request itself
 * (a port the Fetch standard blocks, say), the innermost message (`bad port`).
 */
export function fetchFailureCause(error: unknown): string {
  const chain = errorChain(error);
  const located = chain.flatMap((e) => {
    const { code, address, port } = e as { code?: unknown; address?: unknown; port?: unknown };
    if (typeof code !== "string") return [];
    if (typeof address !== "string") return [code];
    const host = address.includes(":") ? `[${address}]` : address;
    return [port === undefined ? `${code} ${host}` : `${code} ${host}:${port}`];
  });
  const withAddress = located.filter((c) => c.includes(" "));
  const causes = [...new Set(withAddress.length > 0 ? withAddress : located)];
  if (causes.length > 0) return causes.join(", ");
  const innermost = chain.at(-1);
  return innermost instanceof Error ? innermost.message : String(error);
}

/**
 * The `...WithHttpInfo` answer. Its headers are copied out of the response only
 * when read: most callers want the data alone.
 */
export function httpInfo<T>(response: Response, data: T, rawData: Uint8Array): ApiResponse<T> {
  let headers: Record<string, string> | undefined;
  return {
    statusCode: response.status,
    get headers() {
      headers ??= headersObject(response.headers);
      return headers;
    },
    set headers(value) {
      headers = value;
    },
    data,
    rawData,
  };
}
