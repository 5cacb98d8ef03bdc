/**
 * Spans and context propagation over the optional `@opentelemetry/api`, following
 * the OpenTelemetry GenAI semantic conventions for a call to a remote agent
 * (`invoke_agent`), plus the LangSmith run tree's headers when LangSmith tracing is on.
 *
 * Nothing here loads anything until a traced call asks for it, and the API is loaded
 * once, lazily: without it installed, or without an SDK registered, no span is
 * recorded and a call costs a property read. Runs wherever `fetch` runs.
 */
import type { Context, Span } from "@opentelemetry/api";

/** The OpenTelemetry API, as the package exports it. */
export type OtelApi = typeof import("@opentelemetry/api");

/** The name and version spans of this library are recorded under. */
export const TRACER_NAME = "agntcy-acp";

/** undefined: not looked for yet; null: not installed. */
let otel: OtelApi | null | undefined;
let loading: Promise<void> | undefined;

/**
 * Resolves once the OpenTelemetry API was looked for (found or not); `undefined` when
 * that is done already, so a caller awaits only on its first traced call.
 */
export function tracingReady(): Promise<void> | undefined {
  if (otel !== undefined) return undefined;
  // OpenTelemetry's own off switch turns this library's spans and propagation off too.
  if (environment()?.OTEL_SDK_DISABLED === "true") {
    otel = null;
    return undefined;
  }
  loading ??= import("@opentelemetry/api").then(
    (api) => {
      // Both module forms: an ES namespace, or CommonJS exports under `default`.
      const found = (api as { trace?: unknown }).trace
        ? api
        : (api as unknown as { default: OtelApi }).default;
      otel = found ?? null;
    },
    () => {
      otel = null;
    },
  );
  return loading;
}

/**
 * The OpenTelemetry API once loaded and a tracer provider registered on it (an SDK),
 * else undefined: without a provider no span would record, so none is made.
 */
export function otelApi(): OtelApi | undefined {
  return otel && providerRegistered(otel) ? otel : undefined;
}

/**
 * True once the OpenTelemetry API was looked for and nothing records spans (it is
 * not installed, or no SDK is registered): an `invoke_agent` span opened now would
 * not be made, so a call need not prepare one.
 */
export function agentCallsUnrecorded(): boolean {
  return otel !== undefined && otelApi() === undefined;
}

/** The provider the API hands out when none is registered. */
let noopProvider: unknown;

/**
 * Whether a tracer provider is registered. Without one the API answers with its proxy,
 * whose delegate is the no-op provider; a registered SDK is answered itself.
 */
function providerRegistered(api: OtelApi): boolean {
  const provider = api.trace.getTracerProvider() as { getDelegate?(): unknown };
  if (typeof provider.getDelegate !== "function") return true;
  noopProvider ??= new api.ProxyTracerProvider().getDelegate();
  return provider.getDelegate() !== noopProvider;
}

/**
 * A span's W3C trace context (`traceparent`, and `tracestate` when it has one), as a
 * record keeps it to continue the trace in another process.
 */
export interface KeptTraceContext {
  traceparent: string;
  tracestate?: string;
}

/** The trace context of the active span, when an SDK records it; else undefined. */
export function activeTraceContext(): KeptTraceContext | undefined {
  const api = otelApi();
  if (!api) return undefined;
  const span = api.trace.getSpan(api.context.active());
  const kept = span?.spanContext();
  if (!kept || !api.trace.isSpanContextValid(kept)) return undefined;
  const flags = (kept.traceFlags & 0xff).toString(16).padStart(2, "0");
  const state = kept.traceState?.serialize();
  return {
    traceparent: `00-${kept.traceId}-${kept.spanId}-${flags}`,
    ...(state ? { tracestate: state } : {}),
  };
}

/** A W3C `traceparent` of version 00: trace id, parent span id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * `base` with the span `kept` names as its (remote) parent, or undefined when `kept`
 * does not name a valid span.
 */
export function contextUnder(
  api: OtelApi,
  kept: KeptTraceContext,
  base: Context,
): Context | undefined {
  const match = TRACEPARENT.exec(kept.traceparent);
  if (!match) return undefined;
  const [, traceId = "", spanId = "", flags = "00"] = match;
  let traceState: ReturnType<OtelApi["createTraceState"]> | undefined;
  try {
    traceState = kept.tracestate ? api.createTraceState(kept.tracestate) : undefined;
  } catch {
    traceState = undefined;
  }
  const spanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16),
    isRemote: true,
    ...(traceState ? { traceState } : {}),
  };
  if (!api.trace.isSpanContextValid(spanContext)) return undefined;
  return api.trace.setSpanContext(base, spanContext);
}

/** Whether `context` is inside an `invoke_agent` span this library opened. */
function insideAgentCall(api: OtelApi, context: Context): boolean {
  return context.getValue(agentCallKey(api)) === true;
}

let agentCallKeyOf: symbol | undefined;
function agentCallKey(api: OtelApi): symbol {
  agentCallKeyOf ??= api.createContextKey("agntcy-acp invoke_agent");
  return agentCallKeyOf;
}

/** What an `invoke_agent` span says of the agent it calls. */
export interface AgentCallInfo {
  /** The agent's id on its server (`gen_ai.agent.id`), when known. */
  agentId?: string | undefined;
  /** Its name (`gen_ai.agent.name`), when known; the span is named after it. */
  agentName?: string | undefined;
  /** Its version (`gen_ai.agent.version`), when known. */
  agentVersion?: string | undefined;
  /** The thread (or A2A context) the call belongs to (`gen_ai.conversation.id`). */
  conversationId?: string | undefined;
  /** The agent's server URL, for `server.address` and `server.port`. */
  url?: string | undefined;
}

/** A started `invoke_agent` span: runs work inside it and ends it once. */
export interface AgentCall {
  /** Runs `fn` with the span as the active one, so requests it sends carry it. */
  run<T>(fn: () => T): T;
  /** Sets `conversation.id` once it is known (a thread created by the call). */
  setConversation(id: string | undefined): void;
  /** Ends the span, marked failed with `error.type` when `error` is given. */
  end(error?: unknown): void;
}

/**
 * Opens an `invoke_agent {agent}` span of kind CLIENT under `parent` (by default the
 * active context). Undefined when there is nothing to record, and when `parent` is
 * already inside such a span: the outer one (a node's) covers the whole call.
 */
export function startAgentCall(info: AgentCallInfo, parent?: Context): AgentCall | undefined {
  const api = otelApi();
  if (!api) return undefined;
  const base = parent ?? api.context.active();
  if (insideAgentCall(api, base)) return undefined;
  const tracer = api.trace.getTracer(TRACER_NAME);
  // The conventions name the span after the agent when its name is known.
  const name = info.agentName;
  const span = tracer.startSpan(
    name === undefined ? "invoke_agent" : `invoke_agent ${name}`,
    { kind: api.SpanKind.CLIENT, attributes: agentAttributes(info) },
    base,
  );
  const context = api.trace.setSpan(base, span).setValue(agentCallKey(api), true);
  let ended = false;
  return {
    run: (fn) => api.context.with(context, fn),
    setConversation(id) {
      if (id !== undefined) span.setAttribute("gen_ai.conversation.id", id);
    },
    end(error) {
      if (ended) return;
      ended = true;
      if (error !== undefined) markFailed(api, span, error);
      span.end();
    },
  };
}

/**
 * An `invoke_agent` span opened on first use: {@link run} opens it (once the API has
 * been looked up) and runs work inside it, {@link within} runs more work inside it
 * once open, {@link end} ends it. Without anything to record, each runs the work as is.
 */
export class AgentCallScope {
  readonly #info: () => AgentCallInfo;
  #call: AgentCall | undefined;
  #opened = false;
  #ended = false;

  /** `info` is read when the span opens. */
  constructor(info: () => AgentCallInfo) {
    this.#info = info;
  }

  /** Runs `fn` inside the span, opening it first. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    // Only a call made before the API was looked for waits for it.
    const ready = this.#opened ? undefined : tracingReady();
    if (ready) return ready.then(() => this.run(fn));
    try {
      if (!this.#opened) {
        this.#opened = true;
        if (!this.#ended) this.#call = startAgentCall(this.#info());
      }
      return this.within(fn);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs `fn` inside the span when it is open, else as is. */
  within<T>(fn: () => T): T {
    return this.#call ? this.#call.run(fn) : fn();
  }

  /** Ends the span (see {@link AgentCall.end}); bound, to pass as a callback. */
  readonly end = (error?: unknown): void => {
    this.#ended = true;
    this.#call?.end(error);
  };
}

/** Runs `fn` inside an `invoke_agent` span (see {@link startAgentCall}). */
export async function traceAgentCall<T>(
  info: AgentCallInfo,
  parent: Context | undefined,
  fn: (call: AgentCall | undefined) => Promise<T>,
): Promise<T> {
  const ready = tracingReady();
  if (ready) await ready;
  const call = startAgentCall(info, parent);
  if (!call) return fn(undefined);
  try {
    const result = await call.run(() => fn(call));
    call.end();
    return result;
  } catch (error) {
    call.end(error);
    throw error;
  }
}

/** The GenAI and server attributes of an `invoke_agent` span. */
export function agentAttributes(info: AgentCallInfo): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    "gen_ai.operation.name": "invoke_agent",
  };
  if (info.agentId !== undefined) attributes["gen_ai.agent.id"] = info.agentId;
  if (info.agentName !== undefined) attributes["gen_ai.agent.name"] = info.agentName;
  if (info.agentVersion !== undefined) attributes["gen_ai.agent.version"] = info.agentVersion;
  if (info.conversationId !== undefined) {
    attributes["gen_ai.conversation.id"] = info.conversationId;
  }
  const server = serverOf(info.url);
  if (server) {
    attributes["server.address"] = server.address;
    attributes["server.port"] = server.port;
  }
  return attributes;
}

/** Host and port of a URL (the scheme's default port when it names none); credentials never. */
function serverOf(url: string | undefined): { address: string; port: number } | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
    return { address: parsed.hostname.replace(/^\[|\]$/g, ""), port };
  } catch {
    return undefined;
  }
}

/** Marks `span` failed: status ERROR, `error.type` the error's class, and the exception event. */
export function markFailed(api: OtelApi, span: Span, error: unknown, type?: string): void {
  const errorType = type ?? errorTypeOf(error);
  span.setAttribute("error.type", errorType);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: errorType });
  if (error instanceof Error) {
    // The error's class and name only: a message may quote what the request sent.
    span.recordException({ name: error.name, message: errorType });
  }
}

/** A low-cardinality name of what failed: the error's class (its `name`). */
export function errorTypeOf(error: unknown): string {
  if (error instanceof Error) return error.name || error.constructor.name || "Error";
  return "_OTHER";
}

const langsmithStorageKey = Symbol.for("ls:tracing_async_local_storage");

/** The LangSmith run tree a LangChain runnable or `traceable` runs in, when tracing is on. */
interface RunTreeLike {
  tracingEnabled?: boolean;
  toHeaders(): Record<string, string>;
}

/**
 * The LangSmith run tree of the current async context. LangSmith keeps it in one
 * AsyncLocalStorage shared by every copy of `langsmith` and `@langchain/core` in the
 * process, under this global symbol; reading it needs neither package loaded here.
 */
function currentRunTree(): RunTreeLike | undefined {
  const storage = (globalThis as Record<symbol, unknown>)[langsmithStorageKey] as
    | { getStore(): unknown }
    | undefined;
  const tree = storage?.getStore();
  if (typeof tree !== "object" || tree === null) return undefined;
  const candidate = tree as Partial<RunTreeLike>;
  if (typeof candidate.toHeaders !== "function") return undefined;
  const enabled = candidate.tracingEnabled ?? langsmithTracingOn();
  return enabled ? (candidate as RunTreeLike) : undefined;
}

/** The process's environment, where the runtime has one. */
function environment(): Record<string, string | undefined> | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
}

/** LangSmith's own switches, read where an environment exists. */
function langsmithTracingOn(): boolean {
  const env = environment();
  if (!env) return false;
  return [env.LANGSMITH_TRACING_V2, env.LANGCHAIN_TRACING_V2, env.LANGSMITH_TRACING].some(
    (v) => v === "true",
  );
}

/**
 * Adds to `headers` the active trace context (W3C `traceparent`, `tracestate`,
 * `baggage`, by the registered propagator) and, when LangSmith tracing is on, the
 * current run tree's `langsmith-trace` and `baggage`. Headers already set stay.
 */
export function injectTraceHeaders(headers: Record<string, string>): void {
  const api = otel;
  const added: Record<string, string> = {};
  if (api) api.propagation.inject(api.context.active(), added);
  const tree = currentRunTree();
  if (tree) {
    for (const [name, value] of Object.entries(tree.toHeaders())) {
      const key = name.toLowerCase();
      // Both speak W3C baggage: their members go in one header.
      added[key] = key === "baggage" && added[key] ? `${added[key]},${value}` : value;
    }
  }
  for (const name in added) {
    if (!hasHeader(headers, name)) headers[name] = added[name] as string;
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  for (const key in headers) if (key.toLowerCase() === name) return true;
  return false;
}

/**
 * Calls `onEnd` once iterating `stream` ends: done, failed (with the error), or
 * stopped by its consumer. The stream object itself is returned, iterable as before.
 */
export function onceIterated<S extends AsyncIterable<unknown>>(
  stream: S,
  onEnd: (error?: unknown) => void,
): S {
  const iterate = stream[Symbol.asyncIterator].bind(stream);
  let ended = false;
  const end = (error?: unknown) => {
    if (ended) return;
    ended = true;
    onEnd(error);
  };
  Object.defineProperty(stream, Symbol.asyncIterator, {
    configurable: true,
    value: () => {
      const inner = iterate();
      const settled = (step: IteratorResult<unknown>) => {
        if (step.done) end();
        return step;
      };
      const failed = (error: unknown) => {
        end(error);
        throw error;
      };
      return {
        // The inner step's own promise, not another one awaiting it: a stream of many
        // events pays for this wrapper on each of them.
        next() {
          let step: Promise<IteratorResult<unknown>>;
          try {
            step = inner.next();
          } catch (error) {
            // Thrown at once: ended and answered as a step that failed.
            step = Promise.reject(error);
          }
          return step.then(settled, failed);
        },
        async return(value?: unknown) {
          end();
          return inner.return ? inner.return(value) : { done: true as const, value };
        },
      };
    },
  });
  return stream;
}

/**
 * Sends one HTTP request inside a CLIENT span named after its method (the HTTP
 * semantic conventions: method, server, status; `error.type` the status of a failed
 * answer or the error's class), its trace context added to `headers` first.
 */
export async function traceHttpRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  parent: Context | undefined,
  send: () => Promise<Response>,
): Promise<Response> {
  const ready = tracingReady();
  if (ready) await ready;
  const api = otelApi();
  if (!api) {
    injectTraceHeaders(headers);
    return send();
  }
  const server = serverOf(url);
  const span = api.trace.getTracer(TRACER_NAME).startSpan(
    method,
    {
      kind: api.SpanKind.CLIENT,
      attributes: {
        "http.request.method": method,
        ...(server ? { "server.address": server.address, "server.port": server.port } : {}),
      },
    },
    parent ?? api.context.active(),
  );
  const context = api.trace.setSpan(parent ?? api.context.active(), span);
  try {
    const response = await api.context.with(context, () => {
      injectTraceHeaders(headers);
      return send();
    });
    span.setAttribute("http.response.status_code", response.status);
    if (response.status >= 400) markFailed(api, span, undefined, String(response.status));
    return response;
  } catch (error) {
    markFailed(api, span, error);
    throw error;
  } finally {
    span.end();
  }
}
