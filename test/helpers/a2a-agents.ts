/**
 * Small A2A agents for the A2ANode tests, served by `@a2a-js/sdk` alone (its request
 * handler, in-memory task store and express handlers) on 127.0.0.1, port 0. Each
 * agent offers JSON-RPC and HTTP+JSON; the server records what it was asked, so tests
 * can see the wire from the agent's side.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AgentCard, Message, Part, Task, TaskStatus } from "@a2a-js/sdk";
import { Role, TaskState } from "@a2a-js/sdk";
import { UnsupportedOperationError } from "@a2a-js/sdk/errors";
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from "@a2a-js/sdk/server";
import {
  agentCardHandler,
  jsonRpcHandler,
  restHandler,
  UserBuilder,
} from "@a2a-js/sdk/server/express";
import express from "express";
import { afterAll, beforeAll } from "vitest";

/** A `data` part. */
export function dataPart(value: unknown): Part {
  return { content: { $case: "data", value }, metadata: undefined, filename: "", mediaType: "" };
}

/** A `text` part. */
export function textPart(value: string): Part {
  return { content: { $case: "text", value }, metadata: undefined, filename: "", mediaType: "" };
}

function agentMessage(task: { taskId: string; contextId: string }, parts: Part[]): Message {
  return {
    messageId: crypto.randomUUID(),
    contextId: task.contextId,
    taskId: task.taskId,
    role: Role.ROLE_AGENT,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

function status(state: TaskState, message?: Message): TaskStatus {
  return { state, message, timestamp: new Date().toISOString() };
}

/** The value of the first data part of a message, else its text. */
export function valueOfMessage(message: Message): unknown {
  const data = message.parts.find((p) => p.content?.$case === "data");
  if (data?.content?.$case === "data") return data.content.value;
  return message.parts.map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("");
}

/** The helpers every executor uses to publish. */
class Publisher {
  constructor(
    readonly context: RequestContext,
    readonly bus: ExecutionEventBus,
  ) {}

  get ids() {
    return { taskId: this.context.taskId, contextId: this.context.contextId };
  }

  /** The task event every call must start with: the stored task, or a new one. */
  task(state = TaskState.TASK_STATE_SUBMITTED): void {
    const known = this.context.task;
    const task: Task = known ?? {
      id: this.context.taskId,
      contextId: this.context.contextId,
      status: status(state),
      artifacts: [],
      history: [this.context.userMessage],
      metadata: undefined,
    };
    this.bus.publish(AgentEvent.task(task));
  }

  status(state: TaskState, parts?: Part[]): void {
    this.bus.publish(
      AgentEvent.statusUpdate({
        ...this.ids,
        status: status(state, parts ? agentMessage(this.ids, parts) : undefined),
        metadata: undefined,
      }),
    );
  }

  artifact(parts: Part[], options: { id?: string; append?: boolean } = {}): void {
    this.bus.publish(
      AgentEvent.artifactUpdate({
        ...this.ids,
        artifact: {
          artifactId: options.id ?? "result",
          name: "result",
          description: "",
          parts,
          metadata: undefined,
          extensions: [],
        },
        append: options.append ?? false,
        lastChunk: true,
        metadata: undefined,
      }),
    );
  }

  complete(parts: Part[]): void {
    this.artifact(parts);
    this.status(TaskState.TASK_STATE_COMPLETED);
    this.bus.finished();
  }
}

/** What the agents saw, for assertions. */
export interface A2AAgentRecords {
  /** Every context id a message came in, in order, per agent. */
  contexts: Record<string, string[]>;
  /** Every user message value, per agent. */
  inputs: Record<string, unknown[]>;
  /** The task ids the slow agent was asked to cancel. */
  cancelled: string[];
  /** The task ids the slow agent started. */
  slowStarted: string[];
  /** Method and path of every request, with the credential header it carried. */
  requests: {
    path: string;
    authorization: string | undefined;
    host: string | undefined;
    traceparent: string | undefined;
  }[];
}

type Behaviour = (pub: Publisher, records: A2AAgentRecords) => Promise<void>;

/**
 * Echo: a data input comes back as `{ received, turn }`, where `turn` counts the tasks
 * of the context so far; a text input comes back upper-cased, streamed in two chunks.
 */
const echoTurns = new Map<string, number>();

const echo: Behaviour = async (pub) => {
  const input = valueOfMessage(pub.context.userMessage);
  const turn = (echoTurns.get(pub.context.contextId) ?? 0) + 1;
  echoTurns.set(pub.context.contextId, turn);
  pub.task();
  pub.status(TaskState.TASK_STATE_WORKING);
  if (typeof input === "string") {
    const upper = input.toUpperCase();
    const half = Math.ceil(upper.length / 2);
    pub.artifact([textPart(upper.slice(0, half))]);
    pub.artifact([textPart(upper.slice(half))], { append: true });
    pub.status(TaskState.TASK_STATE_COMPLETED);
    pub.bus.finished();
    return;
  }
  pub.complete([dataPart({ received: input, turn })]);
};

/** Answers with a message instead of a task: the input's keys, as data. */
const replier: Behaviour = async (pub) => {
  const input = valueOfMessage(pub.context.userMessage);
  const keys = typeof input === "object" && input !== null ? Object.keys(input) : [];
  pub.bus.publish(AgentEvent.message(agentMessage(pub.ids, [dataPart({ keys })])));
  pub.bus.finished();
};

const askAnswers = new Map<string, unknown[]>();

/** Asks two questions (input-required), then completes with the topic and both answers. */
const asker: Behaviour = async (pub) => {
  const answers = askAnswers.get(pub.context.taskId);
  pub.task();
  if (answers === undefined) {
    askAnswers.set(pub.context.taskId, [valueOfMessage(pub.context.userMessage)]);
    pub.status(TaskState.TASK_STATE_INPUT_REQUIRED, [dataPart({ question: "Which name?" })]);
    return;
  }
  answers.push(valueOfMessage(pub.context.userMessage));
  if (answers.length === 2) {
    pub.status(TaskState.TASK_STATE_INPUT_REQUIRED, [textPart("Which colour?")]);
    return;
  }
  const [topic, name, colour] = answers;
  pub.complete([dataPart({ topic, name, colour })]);
};

/** Fails (or rejects, when asked to) with a message. */
const failing: Behaviour = async (pub) => {
  const input = valueOfMessage(pub.context.userMessage);
  pub.task();
  const state = input === "reject" ? TaskState.TASK_STATE_REJECTED : TaskState.TASK_STATE_FAILED;
  pub.status(state, [textPart(`cannot do ${JSON.stringify(input)}`)]);
  pub.bus.finished();
};

const slowWaits = new Map<string, () => void>();

/** Works until it is cancelled. */
const slow: Behaviour = async (pub, records) => {
  pub.task();
  pub.status(TaskState.TASK_STATE_WORKING);
  await new Promise<void>((resolve) => {
    slowWaits.set(pub.context.taskId, resolve);
    records.slowStarted.push(pub.context.taskId);
  });
};

class Executor implements AgentExecutor {
  constructor(
    private readonly name: string,
    private readonly behaviour: Behaviour,
    private readonly records: A2AAgentRecords,
  ) {}

  execute = async (context: RequestContext, bus: ExecutionEventBus) => {
    this.records.contexts[this.name] = [
      ...(this.records.contexts[this.name] ?? []),
      context.contextId,
    ];
    this.records.inputs[this.name] = [
      ...(this.records.inputs[this.name] ?? []),
      valueOfMessage(context.userMessage),
    ];
    await this.behaviour(new Publisher(context, bus), this.records);
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus) => {
    this.records.cancelled.push(taskId);
    slowWaits.get(taskId)?.();
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId: "",
        status: status(TaskState.TASK_STATE_CANCELED),
        metadata: undefined,
      }),
    );
    bus.finished();
  };
}

/** A request handler of an agent that does not serve ListTasks. */
class NoListHandler extends DefaultRequestHandler {
  override async listTasks(): Promise<never> {
    throw new UnsupportedOperationError("ListTasks is not served here");
  }
}

/** How one test agent is described. */
interface AgentSpec {
  name: string;
  behaviour: Behaviour;
  /** Whether the agent refuses ListTasks. */
  noList?: boolean;
  streaming: boolean;
  inputModes: string[];
  outputModes: string[];
  extensions?: AgentCard["capabilities"] extends infer C
    ? C extends { extensions: infer E }
      ? E
      : never
    : never;
}

const specs: AgentSpec[] = [
  {
    name: "echo",
    behaviour: echo,
    streaming: true,
    inputModes: ["application/json", "text/plain"],
    outputModes: ["application/json", "text/plain"],
  },
  {
    name: "echo-blocking",
    behaviour: echo,
    streaming: false,
    inputModes: ["application/json", "text/plain"],
    outputModes: ["application/json", "text/plain"],
  },
  {
    name: "echo-nolist",
    behaviour: echo,
    streaming: true,
    noList: true,
    inputModes: ["application/json", "text/plain"],
    outputModes: ["application/json", "text/plain"],
  },
  {
    name: "replier",
    behaviour: replier,
    streaming: true,
    inputModes: ["application/json"],
    outputModes: ["application/json"],
  },
  {
    name: "replier-blocking",
    behaviour: replier,
    streaming: false,
    inputModes: ["application/json"],
    outputModes: ["application/json"],
  },
  {
    name: "asker",
    behaviour: asker,
    streaming: true,
    inputModes: ["application/json", "text/plain"],
    outputModes: ["application/json"],
    extensions: [
      {
        uri: "urn:agntcy-acp:a2a:json-schema:v1",
        description: "JSON Schemas of the input and output",
        required: false,
        params: {
          input: { type: "object", properties: { topic: { type: "string" } }, required: ["topic"] },
          output: {
            type: "object",
            properties: {
              topic: { type: "object" },
              name: { type: "string" },
              colour: { type: "string" },
            },
          },
        },
      },
    ],
  },
  {
    name: "asker-blocking",
    behaviour: asker,
    streaming: false,
    inputModes: ["application/json", "text/plain"],
    outputModes: ["application/json"],
  },
  {
    name: "failing",
    behaviour: failing,
    streaming: true,
    inputModes: ["text/plain"],
    outputModes: ["text/plain"],
  },
  {
    name: "slow",
    behaviour: slow,
    streaming: true,
    inputModes: ["application/json", "text/plain"],
    outputModes: ["application/json"],
  },
  {
    name: "slow-blocking",
    behaviour: slow,
    streaming: false,
    inputModes: ["application/json", "text/plain"],
    outputModes: ["application/json"],
  },
];

/** The names of the test agents. */
export type A2AAgentName =
  | "echo"
  | "echo-blocking"
  | "echo-nolist"
  | "replier"
  | "replier-blocking"
  | "asker"
  | "asker-blocking"
  | "failing"
  | "slow"
  | "slow-blocking";

/** Running test agents. */
export interface A2AAgents {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The base URL of an agent (with its trailing slash): its card is at `.well-known/agent-card.json` below. */
  baseUrl(name: A2AAgentName): string;
  /** The agent's card as served. */
  card(name: A2AAgentName): AgentCard;
  records: A2AAgentRecords;
  close(): Promise<void>;
}

/** Options of the test server. */
export interface A2AAgentsOptions {
  /** The origin the cards name in their interface URLs; this server's own by default. */
  interfaceOrigin?: string;
  /**
   * A bearer token every request but the card's must carry; a request without it is
   * answered 401 with a body that quotes the `authorization` header it got (as a
   * careless server might), so tests can see that no credential reaches a message.
   */
  requireToken?: string;
}

function cardOf(spec: AgentSpec, base: string): AgentCard {
  return {
    name: `test-${spec.name}`,
    description: `A2ANode test agent ${spec.name}`,
    supportedInterfaces: [
      { url: `${base}jsonrpc`, protocolBinding: "JSONRPC", tenant: "", protocolVersion: "1.0" },
      { url: `${base}rest`, protocolBinding: "HTTP+JSON", tenant: "", protocolVersion: "1.0" },
    ],
    provider: undefined,
    version: "1.0.0",
    capabilities: {
      streaming: spec.streaming,
      pushNotifications: false,
      extensions: spec.extensions ?? [],
    },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: spec.inputModes,
    defaultOutputModes: spec.outputModes,
    skills: [
      {
        id: spec.name,
        name: spec.name,
        description: `what ${spec.name} does`,
        tags: ["test"],
        examples: [],
        inputModes: spec.inputModes,
        outputModes: spec.outputModes,
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}

/** Serves every test agent under `/agents/<name>/` on 127.0.0.1, port 0. */
export async function startA2AAgents(options: A2AAgentsOptions = {}): Promise<A2AAgents> {
  const records: A2AAgentRecords = {
    contexts: {},
    inputs: {},
    cancelled: [],
    slowStarted: [],
    requests: [],
  };
  const app = express();
  app.use((req, _res, next) => {
    records.requests.push({
      path: req.path,
      authorization: req.headers.authorization,
      host: req.headers.host,
      traceparent: req.headers.traceparent as string | undefined,
    });
    next();
  });
  const token = options.requireToken;
  if (token !== undefined) {
    app.use((req, res, next) => {
      if (req.path.endsWith("agent-card.json") || req.headers.authorization === `Bearer ${token}`) {
        next();
        return;
      }
      res.status(401).json({
        error: {
          code: 401,
          status: "UNAUTHENTICATED",
          message: `refused authorization ${req.headers.authorization ?? "(none)"}`,
          details: [],
        },
      });
    });
  }
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const interfaceOrigin = options.interfaceOrigin ?? origin;
  const cards = new Map<string, AgentCard>();
  for (const spec of specs) {
    const card = cardOf(spec, `${interfaceOrigin}/agents/${spec.name}/`);
    cards.set(spec.name, card);
    const handler = new (spec.noList ? NoListHandler : DefaultRequestHandler)(
      card,
      new InMemoryTaskStore(),
      new Executor(spec.name, spec.behaviour, records),
    );
    const at = `/agents/${spec.name}`;
    app.use(
      `${at}/.well-known/agent-card.json`,
      agentCardHandler({ agentCardProvider: async () => card, cache: { maxAge: 0 } }),
    );
    app.use(
      `${at}/jsonrpc`,
      jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
    );
    app.use(
      `${at}/rest`,
      restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
    );
  }
  return {
    origin,
    baseUrl: (name) => `${origin}/agents/${name}/`,
    card: (name) => cards.get(name) as AgentCard,
    records,
    close: async () => {
      for (const release of slowWaits.values()) release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Serves the test agents for the tests of one file: started before them, closed after
 * them. What it returns reads through to the running agents, so it is used only inside
 * the tests.
 */
export function useA2AAgents(options: A2AAgentsOptions = {}): Omit<A2AAgents, "close"> {
  let started: A2AAgents | undefined;
  const running = (): A2AAgents => {
    if (started === undefined) throw new Error("the A2A test agents are not started yet");
    return started;
  };
  beforeAll(async () => {
    started = await startA2AAgents(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  return {
    get origin() {
      return running().origin;
    },
    baseUrl: (name) => running().baseUrl(name),
    card: (name) => running().card(name),
    get records() {
      return running().records;
    },
  };
}
