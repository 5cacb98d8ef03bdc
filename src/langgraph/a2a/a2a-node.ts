/**
 * A remote A2A agent as a node of a LangGraph.js graph: it reads its input from the
 * state, sends it to the agent as a message, and writes the task's result back into
 * the state. The agent's requests for input pause the parent graph, the parent's
 * thread keeps one A2A context per node, and an aborted parent cancels the task.
 */
import type { AgentCard, Message, Task } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { ApiTypeError } from "../../core/errors.js";
import { redactUrl, SecretRedactor } from "../../core/redact.js";
import { traceAgentCall } from "../../core/tracing.js";
import { stepContextOf } from "../../core/tracing-langchain.js";
import { jsonSchemaType } from "../json-schema-type.js";
import { parentShowsTokens } from "../parent-stream.js";
import { RemoteModelTokens } from "../remote-tokens.js";
import { StateNode } from "../state-node.js";
import type { StateRecord } from "../state-paths.js";
import { answersGiven } from "../task-answers.js";
import { isSendTask, nodePath, remoteThreadId, taskPlace, taskTag } from "../task-identity.js";
import { type CardJsonSchema, cardSchema } from "./card-schemas.js";
import {
  type A2AConnection,
  type A2AConnectionOptions,
  connectByCard,
  connectByUrl,
  fixedSecrets,
} from "./connection.js";
import { clientFailure } from "./failures.js";
import { resultValue } from "./parts.js";
import { TaskDriver, type TaskMemory } from "./task-driver.js";

/** Where the node reads and writes, what it checks, and how it follows tasks. */
export interface A2ANodeIOOptions<I = unknown, O = unknown> {
  /** Dot path in the state of the input: a string is sent as a text part, anything else as a data part. */
  inputPath: string;
  /** Dot path in the state where the task's result is written. */
  outputPath: string;
  /** The input's type; else `inputSchema`, else what the card implies, else anything. */
  inputType?: z.ZodType<I>;
  /** The output's type; else `outputSchema`, else what the card implies, else anything. */
  outputType?: z.ZodType<O>;
  /** A JSON Schema of the input, in place of `inputType`. */
  inputSchema?: CardJsonSchema;
  /** A JSON Schema of the output, in place of `outputType`. */
  outputSchema?: CardJsonSchema;
  /** The id of the card's skill the node calls, for the types the card implies. */
  skill?: string;
  /** Whether to stream the task's events; what the card's `capabilities.streaming` says by default. */
  streaming?: boolean;
  /**
   * The value written at `outputPath` from the final task (or the agent's direct
   * reply); by default the artifacts' data part, else their text (see the docs).
   */
  readOutput?: (result: Task | Message) => unknown;
  /** The most `ListTasks` pages read to find a task again after a restart. Default 10. */
  maxTaskListPages?: number;
  /** How long the cancel request sent after an abort may take, in ms. Default 10000. */
  cancelTimeout?: number;
  /**
   * How many times the stream of a task that is still under way is joined again
   * (`SubscribeToTask`) in one execution, when it ends before the task stops. Default 10.
   */
  maxResubscribes?: number;
}

/** The options of the {@link A2ANode} constructor: an SDK client and the card it was built from. */
export interface A2ANodeOptions<I = unknown, O = unknown> extends A2ANodeIOOptions<I, O> {
  /** The node's name in the graph. */
  name: string;
  /** The `@a2a-js/sdk` client of the agent. */
  client: Client;
  /** The agent's card, for its capabilities and the types it implies. */
  card: AgentCard;
  /**
   * Secrets to hide in error messages (the client's credentials); a `Set` given here
   * is read at each error, so credentials added to it later are hidden too.
   */
  secrets?: Iterable<string>;
}

/** The options of {@link A2ANode.fromCardUrl} and {@link A2ANode.fromCard}. */
export interface A2ANodeFromCardOptions<I = unknown, O = unknown>
  extends A2ANodeIOOptions<I, O>,
    A2AConnectionOptions {
  /** The node's name in the graph; the card's `name` by default. */
  name?: string;
}

const DEFAULT_MAX_TASK_LIST_PAGES = 10;
const DEFAULT_CANCEL_TIMEOUT = 10_000;
const DEFAULT_MAX_RESUBSCRIBES = 10;

function typeOf<T>(
  given: z.ZodType<T> | undefined,
  schema: CardJsonSchema | undefined,
  card: AgentCard,
  skill: string | undefined,
  side: "input" | "output",
): z.ZodType<T> {
  if (given) return given;
  if (schema) return jsonSchemaType(schema, `${side}Schema`) as z.ZodType<T>;
  const implied = cardSchema(card, skill, side);
  if (implied) return jsonSchemaType(implied, `agent card ${side}`) as z.ZodType<T>;
  return z.unknown() as z.ZodType<T>;
}

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new ApiTypeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function count(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new ApiTypeError(`${name} must be a whole number >= 0, got ${value}`);
  }
  return value;
}

/**
 * A LangGraph node that runs a remote A2A agent: `builder.addNode(node.getName(), node)`.
 *
 * Build it from the agent's card with {@link A2ANode.fromCardUrl} (or
 * {@link A2ANode.fromCard}), or from an `@a2a-js/sdk` client of your own. The input
 * at `inputPath` becomes the message; the completed task's artifacts become the value
 * at `outputPath`. A task in `input-required` calls LangGraph's `interrupt()` with the
 * status message's data (or text), and `new Command({ resume })` sends the answer to
 * the same task. On a parent thread, the node's messages go to an A2A context of that
 * thread and node, so a second invocation on the thread continues the conversation.
 * A task that ends `failed`, `rejected` or `canceled` is an {@link A2ATaskError}; the
 * parent's `AbortSignal` cancels the task.
 */
export class A2ANode<I = unknown, O = unknown> extends StateNode<I, O> {
  /** The agent's card. */
  readonly card: AgentCard;
  /** The SDK client the node talks to the agent with. */
  readonly client: Client;
  /** The skill named in the options, if any. */
  readonly skill: string | undefined;
  /** Whether the node streams the task's events. */
  readonly streaming: boolean;
  readonly #secrets: ReadonlySet<string>;
  readonly #readOutput: ((result: Task | Message) => unknown) | undefined;
  readonly #maxTaskListPages: number;
  readonly #cancelTimeout: number;
  readonly #maxResubscribes: number;
  readonly #memory: TaskMemory = { knownTasks: new Map(), listTasksUnsupported: false };

  constructor(options: A2ANodeOptions<I, O>) {
    if (!options.card || !options.client) {
      throw new ApiTypeError(`node "${options.name}": client and card are required`);
    }
    if (options.skill !== undefined && !options.card.skills?.some((s) => s.id === options.skill)) {
      throw new ApiTypeError(
        `node "${options.name}": the card of "${options.card.name}" has no skill ${JSON.stringify(options.skill)}`,
      );
    }
    super({
      name: options.name,
      inputPath: options.inputPath,
      outputPath: options.outputPath,
      inputType: typeOf(
        options.inputType,
        options.inputSchema,
        options.card,
        options.skill,
        "input",
      ),
      outputType: typeOf(
        options.outputType,
        options.outputSchema,
        options.card,
        options.skill,
        "output",
      ),
    });
    this.card = options.card;
    this.client = options.client;
    this.skill = options.skill;
    this.streaming = options.streaming ?? options.card.capabilities?.streaming === true;
    this.#secrets = options.secrets instanceof Set ? options.secrets : new Set(options.secrets);
    this.#readOutput = options.readOutput;
    this.#maxTaskListPages = count(
      options.maxTaskListPages,
      "maxTaskListPages",
      DEFAULT_MAX_TASK_LIST_PAGES,
    );
    this.#cancelTimeout = positive(options.cancelTimeout, "cancelTimeout", DEFAULT_CANCEL_TIMEOUT);
    this.#maxResubscribes = count(
      options.maxResubscribes,
      "maxResubscribes",
      DEFAULT_MAX_RESUBSCRIBES,
    );
  }

  /**
   * Reads the agent card at `url` and builds a node on it. `url` is the agent's base
   * URL (the card is read from `<base>/.well-known/agent-card.json`; a missing
   * trailing slash is added, so `https://host/agents/echo` reads
   * `https://host/agents/echo/.well-known/agent-card.json`) or the card's own URL,
   * ending in `.json`.
   */
  static async fromCardUrl<I = unknown, O = unknown>(
    url: string,
    options: A2ANodeFromCardOptions<I, O>,
  ): Promise<A2ANode<I, O>> {
    const secrets = fixedSecrets(options);
    let connection: A2AConnection;
    try {
      connection = await connectByUrl(url, options, secrets);
    } catch (err) {
      throw clientFailure(
        err,
        `agent card ${redactUrl(url)}`,
        "reading the card",
        new SecretRedactor(secrets),
      );
    }
    return A2ANode.#fromConnection(connection, options);
  }

  /** Builds a node on a card already read; the origins of its interfaces get the credentials. */
  static async fromCard<I = unknown, O = unknown>(
    card: AgentCard,
    options: A2ANodeFromCardOptions<I, O>,
  ): Promise<A2ANode<I, O>> {
    const secrets = fixedSecrets(options);
    let connection: A2AConnection;
    try {
      connection = await connectByCard(card, options, secrets);
    } catch (err) {
      throw clientFailure(
        err,
        `agent "${card.name}"`,
        "choosing a transport",
        new SecretRedactor(secrets),
      );
    }
    return A2ANode.#fromConnection(connection, options);
  }

  static #fromConnection<I, O>(
    connection: A2AConnection,
    options: A2ANodeFromCardOptions<I, O>,
  ): A2ANode<I, O> {
    return new A2ANode<I, O>({
      ...options,
      name: options.name ?? connection.card.name,
      client: connection.client,
      card: connection.card,
      secrets: connection.secrets,
    });
  }

  protected override async execute(
    input: I,
    _state: StateRecord,
    config: LangGraphRunnableConfig,
  ): Promise<unknown> {
    const place = taskPlace(config);
    const contextId =
      place.threadId === undefined
        ? undefined
        : await remoteThreadId(
            place.threadId,
            // A `Send` branch gets a context of its own, as ACPNode's threads do.
            `a2a|${isSendTask(config) ? (place.checkpointNs ?? this.getName()) : nodePath(place.checkpointNs, this.getName())}`,
          );
    const driver = new TaskDriver({
      node: this.getName(),
      client: this.client,
      secrets: this.#secrets,
      contextId,
      tag: await taskTag(place),
      streaming: this.streaming,
      answersGiven: answersGiven(config),
      // A signal of this execution's own, so parallel branches do not pile listeners on
      // the parent's one.
      signal: config.signal && AbortSignal.any([config.signal]),
      writer: config.writer,
      memory: this.#memory,
      maxTaskListPages: this.#maxTaskListPages,
      cancelTimeout: this.#cancelTimeout,
      maxResubscribes: this.#maxResubscribes,
      tokens: parentShowsTokens(config) ? new RemoteModelTokens(this.getName(), config) : undefined,
    });
    const call = {
      agentId: this.card.name,
      agentName: this.card.name,
      agentVersion: this.card.version,
      conversationId: contextId,
      url: this.card.supportedInterfaces[0]?.url,
    };
    const result = await traceAgentCall(call, stepContextOf(config), () => driver.execute(input));
    return this.#readOutput ? this.#readOutput(result) : resultValue(result);
  }
}
