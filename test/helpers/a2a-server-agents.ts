/**
 * What the A2A server tests share: clients of `@a2a-js/sdk` for an agent of a running
 * server (JSON-RPC or HTTP+JSON), messages, and readers of tasks and streams.
 */
import type { Message, Part, StreamResponse, Task } from "@a2a-js/sdk";
import { Role, type TaskState } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from "@a2a-js/sdk/client";
import {
  Annotation,
  END,
  interrupt,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";
import type { ACPAgentOptions } from "../../src/server/index.js";

/** The transports the tests run over. */
export const transports = ["JSONRPC", "HTTP+JSON"] as const;
export type Transport = (typeof transports)[number];

/** The A2A base URL of an agent of the server at `url`. */
export function a2aBase(url: string, agentId: string): string {
  return `${url}/a2a/${agentId}/`;
}

/** An SDK client of an agent, read from its card, over `transport`. */
export async function a2aClient(
  url: string,
  agentId: string,
  transport: Transport = "JSONRPC",
  headers: Record<string, string> = {},
): Promise<Client> {
  const fetchImpl: typeof fetch = (input, init) =>
    fetch(input, {
      ...init,
      headers: { ...Object.fromEntries(new Headers(init?.headers)), ...headers },
    });
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [
        new JsonRpcTransportFactory({ fetchImpl }),
        new RestTransportFactory({ fetchImpl }),
      ],
      preferredTransports: [transport],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
    }),
  );
  return factory.createFromUrl(a2aBase(url, agentId));
}

/** A user message with `parts`, in `contextId` (or none), answering `taskId` (or none). */
export function userMessage(
  parts: Part[],
  ids: { contextId?: string; taskId?: string; metadata?: Record<string, unknown> } = {},
): Message {
  return {
    messageId: crypto.randomUUID(),
    contextId: ids.contextId ?? "",
    taskId: ids.taskId ?? "",
    role: Role.ROLE_USER,
    parts,
    metadata: ids.metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** A `data` part. */
export function data(value: unknown): Part {
  return { content: { $case: "data", value }, metadata: undefined, filename: "", mediaType: "" };
}

/** A `text` part. */
export function text(value: string): Part {
  return { content: { $case: "text", value }, metadata: undefined, filename: "", mediaType: "" };
}

/** A send request for a message. */
export function request(message: Message, returnImmediately = false) {
  return {
    tenant: "",
    message,
    configuration: {
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      returnImmediately,
    },
    metadata: undefined,
  };
}

/** The result of a send as a task (a test fails when it is a message). */
export function asTask(result: Task | Message): Task {
  if (!("status" in result))
    throw new Error(`expected a task, got a message: ${JSON.stringify(result)}`);
  return result;
}

/** The value of the first data part of the task's output artifact. */
export function outputData(task: Task): unknown {
  const part = task.artifacts[0]?.parts.find((p) => p.content?.$case === "data");
  return part?.content?.$case === "data" ? part.content.value : undefined;
}

/** The value of the first data part of the task's status message. */
export function statusData(task: Task): unknown {
  const part = task.status?.message?.parts.find((p) => p.content?.$case === "data");
  return part?.content?.$case === "data" ? part.content.value : undefined;
}

/** Every event of a stream, in order. */
export async function collect(stream: AsyncIterable<StreamResponse>): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The state of a stream event's status (or task), else undefined. */
export function stateOf(event: StreamResponse): TaskState | undefined {
  const payload = event.payload;
  if (payload?.$case === "statusUpdate") return payload.value.status?.state;
  if (payload?.$case === "task") return payload.value.status?.state;
  return undefined;
}

/** The kinds of the events of a stream: `task`, `statusUpdate`, `artifactUpdate`. */
export function kinds(events: StreamResponse[]): string[] {
  return events.map((e) => e.payload?.$case ?? "none");
}

const Chat = MessagesAnnotation;

/** Replies to the last message with `you said: <text>`; its input schema has `messages`. */
export function a2aChatAgent(): ACPAgentOptions {
  const graph = new StateGraph(Chat)
    .addNode("reply", (state: typeof Chat.State) => ({
      messages: [
        { role: "assistant", content: `you said: ${String(state.messages.at(-1)?.content)}` },
      ],
    }))
    .addEdge(START, "reply")
    .addEdge("reply", END)
    .compile();
  return {
    graph,
    descriptor: {
      metadata: { ref: { name: "a2a.chat", version: "1.0.0" }, description: "chats" },
      specs: {
        capabilities: {
          threads: true,
          interrupts: false,
          callbacks: false,
          streaming: { values: true },
        },
        input: {
          type: "object",
          properties: { messages: { type: "array" } },
          required: ["messages"],
        },
        output: { type: "object" },
        config: { type: "object" },
        thread_state: { type: "object" },
      },
    },
  };
}

const Approve = Annotation.Root({
  item: Annotation<string>,
  verdict: Annotation<string>,
});

/** Asks whether to approve its item with `interrupt()`, then gives the verdict it was told. */
export function approvalAgent(): ACPAgentOptions {
  const graph = new StateGraph(Approve)
    .addNode("ask", (state: typeof Approve.State) => {
      const answer = interrupt({ question: `approve ${state.item}?` }) as { approved: boolean };
      return { verdict: answer.approved ? `${state.item} approved` : `${state.item} refused` };
    })
    .addEdge(START, "ask")
    .addEdge("ask", END)
    .compile();
  return {
    graph,
    descriptor: {
      metadata: { ref: { name: "a2a.approval", version: "1.0.0" }, description: "approves items" },
      specs: {
        capabilities: {
          threads: false,
          interrupts: true,
          callbacks: false,
          streaming: { values: true },
        },
        input: { type: "object", properties: { item: { type: "string" } }, required: ["item"] },
        output: { type: "object" },
        config: { type: "object" },
        interrupts: [
          {
            interrupt_type: "approval",
            interrupt_payload: { type: "object" },
            resume_payload: {
              type: "object",
              properties: { approved: { type: "boolean" } },
              required: ["approved"],
            },
          },
        ],
      },
    },
  };
}
