/**
 * What every `ACPClient` method goes through: the transport, the three flavours of
 * an answer, and the re-joining of streams. The methods themselves are written out
 * in `acp-client.ts`, generated from the operation table.
 */
import type { z } from "zod";
import {
  type AgentCallInfo,
  AgentCallScope,
  agentCallsUnrecorded,
  onceIterated,
  tracingReady,
} from "../core/tracing.js";
import type { AgentACPDescriptor } from "../models/index.js";
import { type Operation, type OperationName, operations } from "../operations.js";
import { ApiClient, type ResponseMode } from "./api-client.js";
import { backoffOf } from "./call-policy.js";
import { ApiClientConfiguration, type ApiClientConfigurationOptions } from "./configuration.js";
import type { EnvSource } from "./env.js";
import { httpInfo } from "./http-util.js";
import { overrideClientLimits } from "./limits.js";
import { RunEventStream, type StreamPosition } from "./run-stream.js";
import type { RequestOptions } from "./types.js";

/** What operation `K` answers on success, parsed: its model, or nothing for a 204. */
export type OperationData<K extends OperationName> =
  (typeof operations)[K]["response"] extends z.ZodType
    ? z.output<(typeof operations)[K]["response"]>
    : undefined;

/**
 * The flavour of a client method: `data` (the parsed model, or a `RunEventStream`),
 * `httpInfo` (an `ApiResponse` with status and headers), or `raw` (the `Response`,
 * body unread).
 */
export type Flavour = Exclude<ResponseMode, "stream">;

/** What {@link ACPClientBase} is built from. */
export interface ACPClientOptions {
  /** The transport to use; built from `configuration` when absent. */
  apiClient?: ApiClient;
  /** Settings for a new transport, when `apiClient` is absent. */
  configuration?: ApiClientConfiguration | ApiClientConfigurationOptions;
  /** The descriptor or manifest of the agent this client talks to, kept for callers. */
  manifest?: AgentACPDescriptor;
}

/** The part of `ACPClient` that is not one method per operation. */
export class ACPClientBase {
  /** The transport requests go through. */
  readonly apiClient: ApiClient;
  /** The agent's descriptor or manifest, when given. */
  readonly manifest: AgentACPDescriptor | undefined;

  /** Accepts `{ apiClient }`, `{ configuration }`, or an `ApiClient` as the reference does. */
  constructor(options: ACPClientOptions | ApiClient = {}) {
    const opts = options instanceof ApiClient ? { apiClient: options } : options;
    this.apiClient = opts.apiClient ?? new ApiClient(opts.configuration);
    this.manifest = opts.manifest;
    // Looked for now, so that the first run a caller starts is traced already.
    void tracingReady();
  }

  /** A client on a new configuration made of `options`. */
  static fromConfiguration<T extends ACPClientBase>(
    this: new (
      options: ACPClientOptions,
    ) => T,
    options: ApiClientConfigurationOptions = {},
  ): T {
    return new this({ configuration: new ApiClientConfiguration(options) });
  }

  /** A client configured from `<prefix>*` environment variables (see `ApiClientConfiguration.fromEnvPrefix`). */
  static fromEnvPrefix<T extends ACPClientBase>(
    this: new (
      options: ACPClientOptions,
    ) => T,
    prefix: string,
    overrides: ApiClientConfigurationOptions = {},
    env?: EnvSource,
  ): T {
    return new this({
      configuration: ApiClientConfiguration.fromEnvPrefix(prefix, overrides, env),
    });
  }

  /** Closes kept-open connections (see `ApiClient.close`). */
  close(): Promise<void> {
    return this.apiClient.close();
  }

  /**
   * Calls the operation `name` with a method's arguments: the operation's
   * positional arguments, then optionally `RequestOptions`.
   */
  call(name: OperationName, args: readonly unknown[], flavour: Flavour = "data"): unknown {
    const operation: Operation = operations[name];
    const count = operation.args.length;
    const positional = args.slice(0, count);
    const options = (args[count] as RequestOptions | undefined) ?? {};
    const parts = operation.args(...positional);
    // A call sent now, with nothing to record its span, needs none (a stream's
    // requests are sent when it is iterated, by when an SDK may be registered).
    if (!runOperations.has(name) || (!operation.stream && agentCallsUnrecorded())) {
      return this.send(operation, parts, options, positional, flavour, undefined);
    }
    // The span opens when the request is sent (a stream's when it is iterated).
    const scope = new AgentCallScope(() => this.agentCallInfo(parts));
    const result = this.send(operation, parts, options, positional, flavour, scope);
    if (result instanceof RunEventStream) return onceIterated(result, scope.end);
    return (result as Promise<unknown>).then(
      (value) => {
        const data = (value as { data?: unknown } | undefined)?.data;
        if (data instanceof RunEventStream) onceIterated(data, scope.end);
        else scope.end();
        return value;
      },
      (error: unknown) => {
        scope.end(error);
        throw error;
      },
    );
  }

  /** What the `invoke_agent` span of a run operation says of the agent. */
  private agentCallInfo(parts: ReturnType<Operation["args"]>): AgentCallInfo {
    const body = parts.body as { agent_id?: unknown } | undefined;
    const ref = this.manifest?.metadata?.ref;
    return {
      agentId: typeof body?.agent_id === "string" ? body.agent_id : undefined,
      agentName: ref?.name,
      agentVersion: ref?.version,
      conversationId: parts.path?.thread_id as string | undefined,
      url: this.apiClient.configuration.host,
    };
  }

  /** Sends the operation; with a `scope`, its requests (a stream's re-joins too) inside its span. */
  private send(
    operation: Operation,
    parts: ReturnType<Operation["args"]>,
    options: RequestOptions,
    positional: readonly unknown[],
    flavour: Flavour,
    scope: AgentCallScope | undefined,
  ): unknown {
    const api = this.apiClient;
    if (flavour === "raw" || !operation.stream) {
      // Without a span to run in, the request goes straight out: no closures per call.
      if (!scope) return api.call(operation, parts, options, flavour, positional);
      return scope.run(() => api.call(operation, parts, options, flavour, positional));
    }
    const sent = <T>(fn: () => Promise<T>): Promise<T> => (scope ? scope.run(fn) : fn());
    const open = () =>
      sent(() => api.call(operation, parts, options, "stream", positional) as Promise<Response>);
    const source = {
      operationId: operation.operationId,
      open,
      rejoin: (position: StreamPosition) =>
        scope
          ? scope.within(() => this.rejoin(operation, parts, options, position))
          : this.rejoin(operation, parts, options, position),
      retries: api.configuration.retries,
      backoff: backoffOf(api.configuration.backoff),
      limits: overrideClientLimits(api.configuration.limits, options.limits),
      signal: options.signal,
      lastEventId: options.lastEventId,
      rejoinIds: options.rejoinIds,
    };
    if (flavour === "data") return new RunEventStream(source);
    return open().then((response) =>
      httpInfo(response, new RunEventStream(source, response), new Uint8Array()),
    );
  }

  /**
   * Joins a stream again after a drop, in one connection attempt. A `GET` stream
   * is requested again; a stream that created a run is joined through the `GET`
   * stream of that run, from its first event when none was delivered yet.
   */
  private rejoin(
    operation: Operation,
    parts: ReturnType<Operation["args"]>,
    options: RequestOptions,
    position: StreamPosition,
  ): Promise<Response> | undefined {
    const once = { ...options, lastEventId: position.lastEventId, retries: 0 };
    const join = operation.rejoin === undefined ? undefined : operationByName(operation.rejoin);
    if (join === operation) {
      return this.apiClient.call(operation, parts, once, "stream") as Promise<Response>;
    }
    if (!join || position.runId === undefined) return undefined;
    const path = { ...parts.path, run_id: position.runId };
    const fromStart = { ...once, lastEventId: position.lastEventId ?? beforeFirstEventId };
    return this.apiClient.call(join, { path }, fromStart, "stream") as Promise<Response>;
  }
}

/**
 * The `Last-Event-ID` that asks a run's `GET` stream for every event from the
 * first, where a bare `GET` stream sends only what comes after it is opened. The
 * ACP server of this package numbers events 1, 2, ...; a server whose ids differ
 * may refuse it, which ends the stream in `ApiStreamRejoinError`.
 */
const beforeFirstEventId = "0";

/** The operations that start or resume a run: each is an `invoke_agent` span of its own. */
const runOperations: ReadonlySet<OperationName> = new Set<OperationName>([
  "createStatelessRun",
  "createAndStreamStatelessRunOutput",
  "createAndWaitForStatelessRunOutput",
  "resumeStatelessRun",
  "createThreadRun",
  "createAndStreamThreadRunOutput",
  "createAndWaitForThreadRunOutput",
  "resumeThreadRun",
]);

function operationByName(name: string): Operation | undefined {
  return Object.hasOwn(operations, name) ? operations[name as OperationName] : undefined;
}
