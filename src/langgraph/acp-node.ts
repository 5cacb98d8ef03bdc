/**
 * A remote ACP agent as a node of a LangGraph.js graph: it reads its input from the
 * state, runs the agent, and writes the agent's output back into the state. The remote
 * agent's interrupts pause the parent graph, and its stream events reach the parent's
 * custom stream.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { ApiTypeError } from "../core/errors.js";
import { LANGGRAPH_STREAM_KEY } from "../core/langgraph-stream.js";
import { traceAgentCall } from "../core/tracing.js";
import { stepContextOf } from "../core/tracing-langchain.js";
import {
  ACPClient,
  type ApiClientConfiguration,
  type ApiClientConfigurationOptions,
  type RejoinIds,
} from "../index.js";
import type {
  AgentACPDescriptor,
  ConfigSchema,
  InputSchema,
  RunStateful,
  StreamingMode,
} from "../models/index.js";
import { InterruptPayloadReader, type InterruptPayloadShape } from "./interrupt-payload.js";
import { jsonSchemaType } from "./json-schema-type.js";
import { NodeStateError } from "./node-errors.js";
import { CHECKPOINT_KEY, nodeThread, ParentLineage } from "./node-timelines.js";
import { RemoteForks } from "./remote-forks.js";
import { RemoteRuns } from "./remote-runs.js";
import {
  type ACPNodeCustomStream,
  type ACPNodeStreamEvent,
  RemoteStreamForwarder,
} from "./remote-stream.js";
import { type CreatedRun, RunDriver } from "./run-driver.js";
import { StateNode } from "./state-node.js";
import type { GraphStateSchema, StateOf, StatePath, StateTypeChecks } from "./state-path-types.js";
import { type StateRecord, splitStatePath } from "./state-paths.js";
import { answersGiven, resumeMapOf } from "./task-answers.js";
import { isSendTask, nodePath, remoteThreadId, taskPlace, taskTag } from "./task-identity.js";

/** Which remote thread a threaded ACPNode runs on: see {@link ACPNodeOptions.threadScope}. */
export type ACPNodeThreadScope = "node" | "task";

/**
 * The options of {@link ACPNode}. With `state` (the graph's `Annotation.Root(...)` or
 * zod schema), `inputPath` and `outputPath` are typed as the state's dot paths, and
 * `inputType` / `outputType` are checked against the state's types there.
 */
export interface ACPNodeOptions<
  I = unknown,
  O = unknown,
  C = unknown,
  T extends GraphStateSchema<unknown, unknown> = GraphStateSchema,
  IP extends StatePath<StateOf<T>> = StatePath<StateOf<T>>,
  OP extends StatePath<StateOf<T>> = StatePath<StateOf<T>>,
> {
  /**
   * The graph's state, `Annotation.Root(...)` or a zod object schema: the paths are
   * typed by it, and their top-level keys checked against its channels when the node
   * is built. With a zod schema (or LangGraph's `StateSchema` of zod fields) every key
   * below the top level is checked too, up to an open object, record, `any` or
   * `unknown`; an `Annotation.Root(...)` carries no run-time type below its channels.
   * Without it the paths are plain strings, a write to a key that is no channel of the
   * graph is still a `NodeStateError` when the node runs, and nothing below is checked.
   */
  state?: T;
  /** The node's name in the graph. */
  name: string;
  /** The remote agent's id. */
  agentId: string;
  /** Where the agent's server is and how to authenticate; needed unless `client` is given. */
  clientConfig?: ApiClientConfiguration | ApiClientConfigurationOptions;
  /** A client to share between nodes, in place of `clientConfig`. */
  client?: ACPClient;
  /** Dot path in the state of the agent's input. */
  inputPath: IP;
  /** The input's type; anything is sent unchecked when absent. */
  inputType?: z.ZodType<I>;
  /** Dot path in the state where the agent's output is written. */
  outputPath: OP;
  /** The output's type; anything is accepted when absent. */
  outputType?: z.ZodType<O>;
  /** Dot path in the parent's `config.configurable` of the agent's config. */
  configPath?: string;
  /** The config's type. */
  configType?: z.ZodType<C>;
  /** Headers sent with every request to the agent, e.g. `{ "x-api-key": key }`. */
  headers?: Record<string, string>;
  /**
   * Run on a remote thread of this node and the parent's `thread_id`, so the agent keeps
   * its state between calls; stateless runs otherwise.
   */
  useThreads?: boolean;
  /**
   * Which remote thread a threaded execution runs on (with `useThreads`):
   *
   * - `"node"` (the default): one thread per parent thread and node path, kept between
   *   calls, so the agent remembers earlier calls. A task started by a `Send` gets a
   *   thread of its own instead (as with `"task"`), so parallel branches never share one.
   *   When the parent forks (a replay or an update from an earlier checkpoint, with a
   *   checkpointer), the fork's calls go to a thread of the fork: a copy of the node's
   *   thread set back to where the last call the fork keeps ended (a fresh thread when
   *   it keeps none or the server cannot copy), so the agent remembers what came before
   *   the fork and nothing of the abandoned timeline.
   * - `"task"`: a thread per parent task, new for every execution of the node, the same
   *   when the task resumes after an interrupt (after a restart too), and new on a fork
   *   from an earlier checkpoint, which then never sees what the abandoned timeline did.
   */
  threadScope?: ACPNodeThreadScope;
  /**
   * Dot path in the state of the remote thread id to run on, for a caller that chooses
   * the thread itself (e.g. one per customer, or one per `Send` branch given in the
   * branch's input). Implies threaded runs; the thread is created when missing.
   * Parallel branches given the same thread are refused by the server (409).
   */
  threadIdPath?: string;
  /**
   * How long a threaded call with the default `threadScope` waits for the parent's
   * checkpointer to save the checkpoint its task started from (LangGraph saves it while
   * the step already runs), in ms; 1000 by default. The node needs it to tell a fork of
   * the parent's history from the same timeline (see `threadScope`); past the wait, or
   * with `durability: "exit"`, the call runs on the node's thread without that check.
   */
  checkpointWaitMs?: number;
  /**
   * The stream modes to run the agent with, sent as the run's `stream_mode`; `[]` waits
   * for the output instead. By default the node streams when the agent's descriptor
   * declares a mode (the descriptor is fetched when not given) and leaves `stream_mode`
   * out, so the server streams what the agent declares (a server may refuse the field:
   * the Python reference server answers 422 to any value of it).
   */
  streamMode?: StreamingMode[];
  /**
   * How the payload of a remote interrupt is read (see {@link InterruptPayloadShape}):
   * as the spec sends it, or unwrapped from the Python reference server's
   * `{ "<interrupt_type>": payload }`, decided by the descriptor's interrupt types.
   */
  interruptPayloadShape?: InterruptPayloadShape;
  /**
   * What the agent's server does with `Last-Event-ID` when a dropped stream is
   * joined again (see `RejoinIds`); `"per-connection"` for the Python reference server.
   */
  rejoinIds?: RejoinIds;
  /** The agent's ACP descriptor, when known. */
  descriptor?: AgentACPDescriptor;
  /**
   * What the parent's `custom` stream gets from the remote agent: `"update"` (the
   * default) what the remote writer wrote, as a local node's writer would; `"event"`
   * every remote event as it came, as an {@link ACPNodeStreamEvent} (its values,
   * interrupts and errors too), in place of the updates.
   */
  customStream?: ACPNodeCustomStream;
}

/** The options of {@link ACPNode.fromDescriptor}: the types come from the descriptor. */
export type ACPNodeFromDescriptorOptions = Omit<
  ACPNodeOptions,
  "name" | "inputType" | "outputType" | "configType" | "descriptor" | "state"
> & {
  descriptor: AgentACPDescriptor;
  /** The node's name; the descriptor's `metadata.ref.name` by default. */
  name?: string;
};

/**
 * A LangGraph node that runs a remote ACP agent:
 * `builder.addNode(node.getName(), node)`.
 *
 * The input at `inputPath` is checked with `inputType` and sent; the result is checked
 * with `outputType` and written at `outputPath` (a nested path updates a copy of its
 * parent, siblings kept). When the remote run interrupts, the node calls LangGraph's
 * `interrupt()` with the remote payload, and `graph.invoke(new Command({ resume }))`
 * resumes that same remote run. The payload is taken from the run's wait answer, also
 * when the run is streamed (one request more per interrupt), since a server's stream
 * may label an update as the interrupt, as the Python reference server's does. See
 * `run-driver.ts` for this and for how the same remote run is found again. When
 * the parent graph is streamed, the remote events appear as a local node's and a local
 * subgraph's would (see `remote-stream.ts`): custom updates on `custom`,
 * tokens on `messages`, remote values and updates under the node's namespace; the raw
 * events as {@link ACPNodeStreamEvent}s with `customStream: "event"`. The parent's `AbortSignal` cancels the remote run.
 */
export class ACPNode<
  I = unknown,
  O = unknown,
  C = unknown,
  T extends GraphStateSchema<unknown, unknown> = GraphStateSchema,
  IP extends StatePath<StateOf<T>> = StatePath<StateOf<T>>,
  OP extends StatePath<StateOf<T>> = StatePath<StateOf<T>>,
> extends StateNode<I, O> {
  /** The remote agent's id. */
  readonly agentId: string;
  /** Dot path in `config.configurable` of the agent's config, when there is one. */
  readonly configPath: string | undefined;
  /** The config's type. */
  readonly configType: z.ZodType<C>;
  /** Whether runs go to a remote thread of the parent's thread. */
  readonly useThreads: boolean;
  /** Which remote thread a threaded execution runs on. */
  readonly threadScope: ACPNodeThreadScope;
  /** Dot path in the state of the remote thread id, when the state chooses it. */
  readonly threadIdPath: string | undefined;
  /** How long a call waits for the parent's checkpoint to be saved, in ms. */
  readonly checkpointWaitMs: number;
  /** The agent's descriptor, when it was given or built from. */
  readonly descriptor: AgentACPDescriptor | undefined;
  /** The client the node talks to the agent with. */
  readonly client: ACPClient;
  readonly #headers: Record<string, string> | undefined;
  readonly #streamMode: StreamingMode[] | undefined;
  readonly #interruptShape: InterruptPayloadShape;
  readonly #rejoinIds: RejoinIds | undefined;
  readonly #customStream: ACPNodeCustomStream;
  #fetched: Promise<AgentACPDescriptor> | undefined;
  #interrupts: InterruptPayloadReader | undefined;
  readonly #lastEventIds = new Map<string, string>();
  readonly #createdRuns = new Map<string, CreatedRun>();
  /** The forks' threads this node has named or found (see `RemoteForks`). */
  readonly #forkThreads = new Map<string, string>();

  constructor(options: ACPNodeOptions<I, O, C, T, IP, OP> & StateTypeChecks<T, IP, OP, I, O>) {
    super({
      name: options.name,
      state: options.state,
      inputPath: options.inputPath,
      outputPath: options.outputPath,
      inputType: options.inputType ?? (z.unknown() as z.ZodType<I>),
      outputType: options.outputType ?? (z.unknown() as z.ZodType<O>),
    });
    if (typeof options.agentId !== "string" || options.agentId === "") {
      throw new ApiTypeError(`node "${options.name}": agentId is required`);
    }
    if (!options.client && !options.clientConfig) {
      throw new ApiTypeError(`node "${options.name}": clientConfig (or client) is required`);
    }
    if (options.configPath !== undefined) splitStatePath(options.configPath);
    if (options.threadIdPath !== undefined) splitStatePath(options.threadIdPath);
    if (options.threadScope !== undefined && !["node", "task"].includes(options.threadScope)) {
      throw new ApiTypeError(
        `node "${options.name}": threadScope must be "node" or "task", not ${JSON.stringify(options.threadScope)}`,
      );
    }
    const wait = options.checkpointWaitMs;
    if (wait !== undefined && !(Number.isFinite(wait) && wait >= 0)) {
      throw new ApiTypeError(
        `node "${options.name}": checkpointWaitMs must be a number of ms, 0 or more, not ${JSON.stringify(wait)}`,
      );
    }
    this.agentId = options.agentId;
    this.configPath = options.configPath;
    this.configType = options.configType ?? (z.unknown() as z.ZodType<C>);
    this.useThreads = (options.useThreads ?? false) || options.threadIdPath !== undefined;
    this.threadScope = options.threadScope ?? "node";
    this.threadIdPath = options.threadIdPath;
    this.checkpointWaitMs = options.checkpointWaitMs ?? 1000;
    this.descriptor = options.descriptor;
    this.client = options.client ?? new ACPClient({ configuration: options.clientConfig });
    this.#headers = options.headers;
    this.#streamMode = options.streamMode;
    this.#interruptShape = options.interruptPayloadShape ?? "auto";
    this.#rejoinIds = options.rejoinIds;
    this.#customStream = options.customStream ?? "update";
  }

  /**
   * A node whose input, output and config types are the JSON Schemas of the agent's
   * descriptor (checked with ajv), so no hand-written types are needed.
   */
  static fromDescriptor(options: ACPNodeFromDescriptorOptions): ACPNode {
    const { descriptor } = options;
    return new ACPNode({
      ...options,
      name: options.name ?? descriptor.metadata.ref.name,
      inputType: jsonSchemaType(descriptor.specs.input, "specs.input"),
      outputType: jsonSchemaType(descriptor.specs.output, "specs.output"),
      configType: jsonSchemaType(descriptor.specs.config, "specs.config"),
    });
  }

  /** Fetches the agent's descriptor from its server, then builds as {@link fromDescriptor}. */
  static async fromAgent(
    options: Omit<ACPNodeFromDescriptorOptions, "descriptor">,
  ): Promise<ACPNode> {
    const client = options.client ?? new ACPClient({ configuration: options.clientConfig });
    const descriptor = await client.getAcpDescriptorById(options.agentId, {
      headers: options.headers,
    });
    return ACPNode.fromDescriptor({ ...options, client, descriptor });
  }

  protected override async execute(
    input: I,
    state: StateRecord,
    config: LangGraphRunnableConfig,
  ): Promise<unknown> {
    const agentConfig =
      this.configPath === undefined
        ? undefined
        : await this.checkValue(
            "config",
            this.configPath,
            this.configType,
            config.configurable ?? {},
          );
    const place = taskPlace(config);
    const tag = await taskTag(place);
    const thread = await this.threadFor(config, state, tag);
    const threadId = thread?.threadId;
    const stream = new RemoteStreamForwarder(this.getName(), config, this.#customStream);
    let modes = await this.modes();
    // The remote graph's tokens and updates are asked for only when the parent shows them.
    const wanted = modes.length > 0 ? stream.wanted() : [];
    if (wanted.length > 0 && this.#streamMode !== undefined && !modes.includes("custom")) {
      modes = [...modes, "custom"];
    }
    const configurable = {
      ...(agentConfig as Record<string, unknown> | undefined),
      ...(wanted.length > 0 ? { [LANGGRAPH_STREAM_KEY]: wanted } : {}),
    };
    const driver = new RunDriver({
      node: this.getName(),
      runs: new RemoteRuns(
        this.client,
        this.agentId,
        threadId,
        this.#headers,
        this.#rejoinIds,
        thread?.runs,
      ),
      tag,
      modes,
      sendModes: this.#streamMode !== undefined,
      interruptPayload: (value) => this.interruptPayload(value),
      answersGiven: answersGiven(config),
      resumeMap: resumeMapOf(config),
      signal: config.signal,
      stream,
      lastEventIds: this.#lastEventIds,
      createdRuns: this.#createdRuns,
      inputPath: this.inputPath,
    });
    const ref = this.descriptor?.metadata.ref;
    const call = {
      agentId: this.agentId,
      agentName: ref?.name,
      agentVersion: ref?.version,
      conversationId: threadId,
      url: this.client.apiClient.configuration.host,
    };
    // One `invoke_agent` span for the whole call (runs, streams, re-joins), under the node's.
    return traceAgentCall(call, stepContextOf(config), () =>
      // The node's own types stand in for the protocol's loose `InputSchema`/`ConfigSchema`.
      driver.execute({
        input: input as InputSchema,
        ...(thread?.checkpoint !== undefined
          ? { metadata: { [CHECKPOINT_KEY]: thread.checkpoint } }
          : {}),
        ...(agentConfig !== undefined || wanted.length > 0
          ? { config: { configurable: configurable as ConfigSchema } }
          : {}),
      }),
    );
  }

  /**
   * The remote thread for this execution, or undefined for stateless runs; for a thread
   * kept across calls, also the parent checkpoint its runs record and the thread's runs
   * as read on the way (see `node-timelines.ts`).
   */
  private async threadFor(
    config: LangGraphRunnableConfig,
    state: StateRecord,
    tag: string | undefined,
  ): Promise<{ threadId: string; checkpoint?: string; runs?: RunStateful[] } | undefined> {
    if (!this.useThreads) return undefined;
    if (this.threadIdPath !== undefined) {
      const threadId = await this.checkValue("input", this.threadIdPath, z.string().min(1), state);
      return { threadId };
    }
    const place = taskPlace(config);
    if (place.threadId === undefined) {
      throw new NodeStateError(
        this.getName(),
        "config",
        "configurable.thread_id",
        "is missing: useThreads ties the remote thread to the parent graph's thread",
      );
    }
    if (this.threadScope === "task" || isSendTask(config)) {
      return {
        threadId: await remoteThreadId(place.threadId, place.checkpointNs ?? this.getName()),
      };
    }
    const parentThreadId = place.threadId;
    const path = nodePath(place.checkpointNs, this.getName());
    const root = await remoteThreadId(parentThreadId, path);
    const lineage = ParentLineage.of(config);
    if (lineage === undefined || !(await lineage.saved(this.checkpointWaitMs))) {
      return { threadId: root };
    }
    const runsOf = (threadId: string) =>
      new RemoteRuns(this.client, this.agentId, threadId, this.#headers).all(config.signal);
    const options = { headers: this.#headers, signal: config.signal };
    const forks = new RemoteForks(this.client, options, this.#forkThreads, (threadId, at) =>
      remoteThreadId(parentThreadId, `${path}#fork:${JSON.stringify([threadId, at])}`),
    );
    const found = await nodeThread(root, tag, lineage, {
      runsOf,
      forkOf: (threadId, at, kept) => forks.forkOf(threadId, at, kept),
    });
    return { ...found, checkpoint: lineage.current };
  }

  /** The payload a remote interrupt carries, read by the descriptor's interrupt types. */
  private async interruptPayload(value: unknown): Promise<unknown> {
    if (this.#interruptShape === "spec") return value;
    this.#interrupts ??= new InterruptPayloadReader(
      await this.agentDescriptor(),
      this.#interruptShape,
    );
    return this.#interrupts.payloadOf(value);
  }

  /** The agent's descriptor: given, or fetched once (again after a failed fetch). */
  private agentDescriptor(): Promise<AgentACPDescriptor> {
    if (this.descriptor) return Promise.resolve(this.descriptor);
    this.#fetched ??= this.client
      .getAcpDescriptorById(this.agentId, { headers: this.#headers })
      .catch((err: unknown) => {
        this.#fetched = undefined;
        throw err;
      });
    return this.#fetched;
  }

  /** The stream modes to create runs with: given, or what the agent declares. */
  private async modes(): Promise<StreamingMode[]> {
    if (this.#streamMode) return this.#streamMode;
    const streaming = (await this.agentDescriptor()).specs.capabilities.streaming;
    const modes: StreamingMode[] = [];
    if (streaming?.values === true) modes.push("values");
    if (streaming?.custom === true) modes.push("custom");
    return modes;
  }
}
