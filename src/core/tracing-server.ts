/**
 * The server's side of one trace across agents: a SERVER span per request under the
 * caller's trace (W3C `traceparent`), a span per run under it, the graph's steps
 * under that, and the caller's LangSmith run tree continued by the graph's run.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Span } from "@opentelemetry/api";
import {
  agentAttributes,
  contextUnder,
  type KeptTraceContext,
  markFailed,
  otelApi,
  TRACER_NAME,
  tracingReady,
} from "./tracing.js";
import { callbacksUnder } from "./tracing-langchain.js";

/** The caller's LangSmith headers, kept for the runs the request starts. */
const langsmithParent = new AsyncLocalStorage<Record<string, string>>();

/** A request's SERVER span, or the caller's LangSmith context alone. */
export interface ServerRequestTrace {
  /** Runs the request's handling inside the span (and with the caller's LangSmith headers). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Ends the span with the answer's status and route; 5xx and `error` mark it failed. */
  end(status: number, route: string | undefined, error?: unknown): void;
}

/**
 * True when a request needs no tracing work: OpenTelemetry is loaded (or switched off)
 * with no SDK registered, and the caller sent no LangSmith trace to continue. Answered
 * at once, without a promise, so an untraced server pays one header lookup per request.
 */
export function requestUntraced(header: (name: string) => string | undefined): boolean {
  return (
    tracingReady() === undefined &&
    otelApi() === undefined &&
    header("langsmith-trace") === undefined
  );
}

/**
 * Starts tracing one request: undefined when there is nothing to record and no
 * LangSmith trace to continue, so an untraced server pays a header read per request.
 */
export async function startServerRequest(
  request: Request,
): Promise<ServerRequestTrace | undefined> {
  const ready = tracingReady();
  if (ready) await ready;
  const api = otelApi();
  const lsTrace = request.headers.get("langsmith-trace");
  const ls = lsTrace === null ? undefined : langsmithHeaders(lsTrace, request.headers);
  if (!api && !ls) return undefined;
  const url = new URL(request.url);
  const method = request.method;
  let span: Span | undefined;
  let context = api?.context.active();
  if (api) {
    const carrier: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      carrier[name] = value;
    });
    const parent = api.propagation.extract(api.context.active(), carrier);
    span = api.trace.getTracer(TRACER_NAME).startSpan(
      method,
      {
        kind: api.SpanKind.SERVER,
        attributes: {
          "http.request.method": method,
          "url.path": url.pathname,
          "url.scheme": url.protocol.replace(/:$/, ""),
          "server.address": url.hostname.replace(/^\[|\]$/g, ""),
          ...(url.port ? { "server.port": Number(url.port) } : {}),
        },
      },
      parent,
    );
    if (!span.isRecording() && !ls) {
      span.end();
      return undefined;
    }
    context = api.trace.setSpan(parent, span);
  }
  return {
    run(fn) {
      const inSpan = api && context ? () => api.context.with(context, fn) : fn;
      return ls ? langsmithParent.run(ls, inSpan) : inSpan();
    },
    end(status, route, error) {
      if (!api || !span) return;
      span.setAttribute("http.response.status_code", status);
      if (route !== undefined) {
        span.setAttribute("http.route", route);
        span.updateName(`${method} ${route}`);
      }
      if (status >= 500) markFailed(api, span, error, String(status));
      span.end();
    },
  };
}

/** The caller's LangSmith headers: its run (`langsmith-trace`) and its `baggage`. */
function langsmithHeaders(trace: string, headers: Headers): Record<string, string> {
  const baggage = headers.get("baggage");
  return { "langsmith-trace": trace, ...(baggage === null ? {} : { baggage }) };
}

/** What a run's span says of the run. */
export interface RunTraceInfo {
  runId: string;
  agentId: string;
  agentName?: string | undefined;
  agentVersion?: string | undefined;
  threadId?: string | undefined;
  /**
   * The trace context of the request that created the run, kept with it: a leg
   * executed where no span is active (a replica that took the run over) continues
   * that trace under it, rather than starting one of its own.
   */
  createdIn?: KeptTraceContext | undefined;
}

/** How a run's leg ended, as far as its span tells. */
export interface RunTraceOutcome {
  status: string;
  output?: unknown;
}

/** The callbacks of a leg that nothing traces: none. */
const NO_CALLBACKS: BaseCallbackHandler[] = [];

/**
 * Executes a leg of a run inside its span, `invoke_agent {agent}` of kind INTERNAL
 * (run id, agent, thread, status, errcode), under the context of the request that
 * started it. `execute` receives the callbacks to run its graph with: the graph's
 * steps as spans under the run's, and the caller's LangSmith run tree continued.
 *
 * `info` is asked for only when there is a span to name: a leg nothing traces calls
 * `execute` at once, with no span, info or extra promise made for it.
 */
export function traceRun<O extends RunTraceOutcome>(
  info: () => RunTraceInfo,
  execute: (callbacks: BaseCallbackHandler[]) => Promise<O>,
): Promise<O> {
  const ready = tracingReady();
  if (ready) return ready.then(() => traceLoadedRun(info, execute));
  return traceLoadedRun(info, execute);
}

/** `traceRun` once OpenTelemetry was looked for. */
function traceLoadedRun<O extends RunTraceOutcome>(
  describe: () => RunTraceInfo,
  execute: (callbacks: BaseCallbackHandler[]) => Promise<O>,
): Promise<O> {
  const api = otelApi();
  const ls = langsmithParent.getStore();
  if (!api && !ls) return execute(NO_CALLBACKS);
  const run = async (): Promise<O> => {
    if (!api) return execute(NO_CALLBACKS);
    const info = describe();
    const name = info.agentName ?? info.agentId;
    const active = api.context.active();
    // No request's span here (a replica took the run over): the run's own trace goes on.
    const continued =
      api.trace.getSpan(active) === undefined && info.createdIn
        ? contextUnder(api, info.createdIn, active)
        : undefined;
    const parent = continued ?? active;
    const span = api.trace.getTracer(TRACER_NAME).startSpan(
      `invoke_agent ${name}`,
      {
        kind: api.SpanKind.INTERNAL,
        attributes: {
          ...agentAttributes({
            agentId: info.agentId,
            agentName: info.agentName,
            agentVersion: info.agentVersion,
            conversationId: info.threadId,
          }),
          "acp.run.id": info.runId,
          ...(info.threadId !== undefined ? { "acp.thread.id": info.threadId } : {}),
          ...(continued ? { "acp.run.continued": true } : {}),
        },
      },
      parent,
    );
    if (!span.isRecording()) {
      span.end();
      return execute(NO_CALLBACKS);
    }
    const context = api.trace.setSpan(parent, span);
    try {
      const outcome = await api.context.with(context, async () =>
        execute(await callbacksUnder(context)),
      );
      span.setAttribute("acp.run.status", outcome.status);
      const errcode = (outcome.output as { errcode?: unknown } | undefined)?.errcode;
      if (typeof errcode === "number") span.setAttribute("acp.run.errcode", errcode);
      if (outcome.status === "error" || outcome.status === "timeout") {
        markFailed(api, span, undefined, `${outcome.status}${errcode ? ` ${errcode}` : ""}`);
      }
      return outcome;
    } catch (error) {
      markFailed(api, span, error);
      throw error;
    } finally {
      span.end();
    }
  };
  return ls ? continueLangsmith(ls, run) : run();
}

/**
 * Runs `fn` under the caller's LangSmith run, so that the graph's run (LangChain's
 * tracer picks up the run tree in context) nests under it in one LangSmith trace.
 * Needs `langsmith` (which `@langchain/core` brings) and LangSmith tracing on here.
 */
async function continueLangsmith<T>(headers: Record<string, string>, fn: () => Promise<T>) {
  let modules: [typeof import("langsmith/run_trees"), typeof import("langsmith/traceable")];
  try {
    modules = await Promise.all([import("langsmith/run_trees"), import("langsmith/traceable")]);
  } catch {
    return fn();
  }
  const [{ RunTree }, { withRunTree }] = modules;
  const parent = RunTree.fromHeaders(headers);
  return parent ? withRunTree(parent, fn) : fn();
}
