/**
 * A graph's own steps as OpenTelemetry spans: a LangChain callback handler that opens
 * a span per chain run (the graph, each node) and per chat model call, nested as the
 * runs are, under the span that was active when the graph started.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Context, Span } from "@opentelemetry/api";
import { markFailed, type OtelApi, otelApi, TRACER_NAME, tracingReady } from "./tracing.js";

/** What LangGraph throws to pause or hand over a run: not a failure. */
const notFailures = new Set(["GraphInterrupt", "NodeInterrupt", "ParentCommand", "GraphBubbleUp"]);

/** Runs LangChain marks hidden (LangGraph's plumbing): their children nest under their parent. */
const hiddenTag = "langsmith:hidden";

/**
 * Records a graph's runs as spans. Pass it in a graph's `callbacks`; runs without a
 * parent nest under the context active when the handler was made (or `base`).
 */
export class OpenTelemetryCallbackHandler extends BaseCallbackHandler {
  /** The handler's name among a run's callbacks. */
  name = "agntcy_acp_opentelemetry";
  readonly #api: OtelApi;
  readonly #base: Context;
  /** The span of each run, or the context a hidden run's children go under. */
  readonly #contexts = new Map<string, Context>();
  readonly #spans = new Map<string, Span>();

  /** `api` is the loaded OpenTelemetry API; `base` the context root runs nest under. */
  constructor(api: OtelApi, base?: Context) {
    super();
    // Spans must be open before the step runs, so that its requests carry them.
    this.awaitHandlers = true;
    this.#api = api;
    this.#base = base ?? api.context.active();
  }

  /** The context of run `runId`: its span as the active one, when it has one. */
  contextOf(runId: string | undefined): Context | undefined {
    return runId === undefined ? undefined : this.#contexts.get(runId);
  }

  private parentOf(parentRunId: string | undefined): Context {
    return (parentRunId !== undefined && this.#contexts.get(parentRunId)) || this.#base;
  }

  private open(
    runId: string,
    parentRunId: string | undefined,
    name: string,
    attributes: Record<string, string | number>,
  ): void {
    const parent = this.parentOf(parentRunId);
    const span = this.#api.trace
      .getTracer(TRACER_NAME)
      .startSpan(name, { kind: this.#api.SpanKind.INTERNAL, attributes }, parent);
    this.#spans.set(runId, span);
    this.#contexts.set(runId, this.#api.trace.setSpan(parent, span));
  }

  private close(runId: string, error?: unknown): void {
    const span = this.#spans.get(runId);
    this.#spans.delete(runId);
    this.#contexts.delete(runId);
    if (!span) return;
    if (error instanceof Error && notFailures.has(error.name)) {
      span.setAttribute("langgraph.interrupted", true);
    } else if (error !== undefined) {
      markFailed(this.#api, span, error);
    }
    span.end();
  }

  /**
   * Opens the span of a graph or node run. The arguments come in the order the
   * callback manager passes them (parent, tags, metadata, type, name), which is not
   * the order the interface declares.
   */
  override handleChainStart(
    chain: { id?: string[] },
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    _runType?: string,
    runName?: string,
  ): void {
    if (tags?.includes(hiddenTag)) {
      this.#contexts.set(runId, this.parentOf(parentRunId));
      return;
    }
    const name = runName ?? chain.id?.at(-1) ?? "chain";
    const attributes: Record<string, string | number> = {};
    const node = metadata?.langgraph_node;
    if (typeof node === "string") attributes["langgraph.node"] = node;
    const step = metadata?.langgraph_step;
    if (typeof step === "number") attributes["langgraph.step"] = step;
    this.open(runId, parentRunId, name, attributes);
  }

  /** Ends the span of a graph or node run. */
  override handleChainEnd(_outputs: unknown, runId: string): void {
    this.close(runId);
    this.#contexts.delete(runId);
  }

  /** Ends the span of a graph or node run that failed (an interrupt is not a failure). */
  override handleChainError(error: unknown, runId: string): void {
    this.close(runId, error);
    this.#contexts.delete(runId);
  }

  /** Opens a `chat {model}` span for a chat model call (an I/O mapper's, say). */
  override handleChatModelStart(
    llm: { id?: string[]; kwargs?: Record<string, unknown> },
    _messages: unknown,
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    const invocation = extraParams?.invocation_params as Record<string, unknown> | undefined;
    const model = [invocation?.model, metadata?.ls_model_name, llm.kwargs?.model].find(
      (m): m is string => typeof m === "string",
    );
    const provider = metadata?.ls_provider;
    const attributes: Record<string, string | number> = { "gen_ai.operation.name": "chat" };
    if (model !== undefined) attributes["gen_ai.request.model"] = model;
    if (typeof provider === "string") attributes["gen_ai.provider.name"] = provider;
    this.open(runId, parentRunId, model === undefined ? "chat" : `chat ${model}`, attributes);
  }

  /** Ends a chat model call's span, with its token usage when the model reports it. */
  override handleLLMEnd(output: { llmOutput?: Record<string, unknown> }, runId: string): void {
    const usage = output.llmOutput?.tokenUsage as Record<string, unknown> | undefined;
    const span = this.#spans.get(runId);
    if (span && typeof usage?.promptTokens === "number") {
      span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens);
    }
    if (span && typeof usage?.completionTokens === "number") {
      span.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens);
    }
    this.close(runId);
  }

  /** Ends a failed chat model call's span. */
  override handleLLMError(error: unknown, runId: string): void {
    this.close(runId, error);
  }
}

/**
 * The callbacks that record a graph's steps as OpenTelemetry spans, to pass in the
 * graph's config (`graph.invoke(input, { callbacks: await openTelemetryCallbacks() })`):
 * none when `@opentelemetry/api` is not installed. Runs without a parent nest under
 * the span active when it is called.
 */
export function openTelemetryCallbacks(): Promise<BaseCallbackHandler[]> {
  return callbacksUnder(undefined);
}

/** {@link openTelemetryCallbacks}, with root runs under `base` rather than the active span. */
export async function callbacksUnder(base: Context | undefined): Promise<BaseCallbackHandler[]> {
  const ready = tracingReady();
  if (ready) await ready;
  const api = otelApi();
  return api ? [new OpenTelemetryCallbackHandler(api, base)] : [];
}

/** The part of a runnable's config the handler is found in. */
interface CallbacksConfig {
  callbacks?: unknown;
}

/**
 * The context a step with `config` runs in, as spans know it: the span of the run
 * its callbacks belong to, when an {@link OpenTelemetryCallbackHandler} records them;
 * else undefined (the active context stands).
 */
export function stepContextOf(config: CallbacksConfig | undefined): Context | undefined {
  const manager = config?.callbacks as
    | { handlers?: unknown[]; getParentRunId?(): string | undefined }
    | undefined;
  if (!manager || Array.isArray(manager) || !manager.handlers) return undefined;
  const handler = manager.handlers.find((h) => h instanceof OpenTelemetryCallbackHandler) as
    | OpenTelemetryCallbackHandler
    | undefined;
  return handler?.contextOf(manager.getParentRunId?.());
}

/**
 * `config` with an {@link OpenTelemetryCallbackHandler} among its callbacks, when an SDK
 * is registered and no such handler records them yet: a model call made with it is a
 * `chat` span under the active span, even in a graph run without
 * {@link openTelemetryCallbacks}. As it is otherwise (a graph run with them already
 * records the call under its step).
 */
export async function withOpenTelemetry<C extends CallbacksConfig>(
  config: C | undefined,
): Promise<C | undefined> {
  const ready = tracingReady();
  if (ready) await ready;
  const api = otelApi();
  if (!api) return config;
  const given = config?.callbacks;
  const handlers = Array.isArray(given)
    ? given
    : (given as { handlers?: unknown[] } | undefined)?.handlers;
  if (handlers?.some((h) => h instanceof OpenTelemetryCallbackHandler)) return config;
  const handler = new OpenTelemetryCallbackHandler(api);
  const manager = given as { copy?(added: BaseCallbackHandler[], inherit: boolean): unknown };
  const callbacks =
    given === undefined
      ? [handler]
      : Array.isArray(given)
        ? [...given, handler]
        : typeof manager.copy === "function"
          ? manager.copy([handler], true)
          : [handler];
  return { ...(config as C), callbacks };
}
