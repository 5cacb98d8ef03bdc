/**
 * Small real LangGraph.js graphs, with their ACP descriptors, that the server tests
 * serve: echo, chat (LangChain messages), custom-event streaming, interrupt twice,
 * throwing, and a slow graph that runs until it is released or cancelled.
 */
import { AIMessage } from "@langchain/core/messages";
import {
  Annotation,
  END,
  interrupt,
  type LangGraphRunnableConfig,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";
import type { AgentACPDescriptor } from "../../src/models/index.js";
import type { ACPAgentOptions } from "../../src/server/index.js";

type Capabilities = AgentACPDescriptor["specs"]["capabilities"];

/**
 * The specs the descriptor rules ask for when the capabilities promise them: an
 * interrupt kind for `interrupts`, an update schema for custom streaming. Both
 * accept any value.
 */
export function promisedSpecs(capabilities: Capabilities): Partial<AgentACPDescriptor["specs"]> {
  return {
    ...(capabilities.interrupts
      ? { interrupts: [{ interrupt_type: "any", interrupt_payload: {}, resume_payload: {} }] }
      : {}),
    ...(capabilities.streaming?.custom ? { custom_streaming_update: {} } : {}),
  };
}

function descriptor(
  name: string,
  capabilities: Capabilities,
  specs: Partial<AgentACPDescriptor["specs"]> = {},
): AgentACPDescriptor {
  return {
    metadata: { ref: { name, version: "1.0.0" }, description: `test agent ${name}` },
    specs: {
      capabilities,
      input: { type: "object" },
      output: { type: "object" },
      config: { type: "object" },
      ...promisedSpecs(capabilities),
      ...specs,
    },
  };
}

const allCapabilities: Capabilities = {
  threads: true,
  interrupts: true,
  callbacks: true,
  streaming: { values: true, custom: true },
};

const EchoState = Annotation.Root({
  text: Annotation<string>,
  reply: Annotation<string>,
  history: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** Replies `<prefix><text>` (prefix from config, default "echo: ") and keeps every text it saw. */
export function echoAgent(): ACPAgentOptions {
  const graph = new StateGraph(EchoState)
    .addNode("echo", (state: typeof EchoState.State, config: LangGraphRunnableConfig) => {
      const prefix = (config.configurable?.prefix as string | undefined) ?? "echo: ";
      return { reply: `${prefix}${state.text}`, history: [state.text] };
    })
    .addEdge(START, "echo")
    .addEdge("echo", END)
    .compile();
  return {
    graph,
    descriptor: descriptor("test.echo", allCapabilities, {
      input: {
        type: "object",
        properties: { text: { type: "string" } },
        required: ["text"],
      },
      config: {
        type: "object",
        properties: { prefix: { type: "string", maxLength: 20 } },
        additionalProperties: false,
      },
      thread_state: { type: "object" },
    }),
  };
}

const CountState = Annotation.Root({ count: Annotation<number> });

/** Emits `{ step: i }` custom events for i = 1..count and returns the count. */
export function customStreamingAgent(): ACPAgentOptions {
  const graph = new StateGraph(CountState)
    .addNode("emit", (state: typeof CountState.State, config: LangGraphRunnableConfig) => {
      for (let step = 1; step <= state.count; step += 1) config.writer?.({ step });
      return { count: state.count };
    })
    .addEdge(START, "emit")
    .addEdge("emit", END)
    .compile();
  return {
    graph,
    descriptor: descriptor("test.custom-streaming", allCapabilities, {
      input: {
        type: "object",
        properties: { count: { type: "integer", minimum: 0, maximum: 100 } },
        required: ["count"],
      },
      custom_streaming_update: { type: "object" },
    }),
  };
}

const AskState = Annotation.Root({
  topic: Annotation<string>,
  answers: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** Asks two questions with `interrupt()`, then returns both answers. */
export function interruptTwiceAgent(): ACPAgentOptions {
  const graph = new StateGraph(AskState)
    .addNode("ask", (state: typeof AskState.State) => {
      const first = interrupt({
        interrupt_type: "question",
        question: `first about ${state.topic}?`,
      }) as {
        answer: string;
      };
      const second = interrupt({ interrupt_type: "question", question: "second?" }) as {
        answer: string;
      };
      return { answers: [first.answer, second.answer] };
    })
    .addEdge(START, "ask")
    .addEdge("ask", END)
    .compile();
  return {
    graph,
    descriptor: descriptor("test.interrupt-twice", allCapabilities, {
      interrupts: [
        {
          interrupt_type: "question",
          interrupt_payload: {
            type: "object",
            properties: { question: { type: "string" } },
            required: ["question"],
          },
          resume_payload: {
            type: "object",
            properties: { answer: { type: "string" } },
            required: ["answer"],
          },
        },
      ],
    }),
  };
}

/** The message the throwing graph fails with. */
export const THROWING_MESSAGE = "the test graph failed on purpose";

/** Fails in its only node. */
export function throwingAgent(): ACPAgentOptions {
  const graph = new StateGraph(EchoState)
    .addNode("fail", (): Partial<typeof EchoState.State> => {
      throw new Error(THROWING_MESSAGE);
    })
    .addEdge(START, "fail")
    .addEdge("fail", END)
    .compile();
  return { graph, descriptor: descriptor("test.throwing", allCapabilities) };
}

/** Lets a test decide when the slow graph may finish. */
export interface Gate {
  /** Lets every waiting and future slow run finish. */
  release(): void;
  /** Resolves once released. */
  readonly opened: Promise<void>;
  /** How many slow runs have started. */
  readonly started: number;
  /** Resolves when at least `n` slow runs have started. */
  waitForStarted(n: number): Promise<void>;
  /** How many slow runs saw their signal abort. */
  readonly aborted: number;
}

/** A gate, closed until `release()`. */
export function createGate(): Gate {
  let release!: () => void;
  const opened = new Promise<void>((r) => {
    release = r;
  });
  let started = 0;
  let aborted = 0;
  const startWaiters: Array<[number, () => void]> = [];
  const gate = {
    release,
    opened,
    get started() {
      return started;
    },
    get aborted() {
      return aborted;
    },
    waitForStarted(n: number) {
      if (started >= n) return Promise.resolve();
      return new Promise<void>((r) => startWaiters.push([n, r]));
    },
    onStart() {
      started += 1;
      for (const [n, r] of startWaiters) if (started >= n) r();
    },
    onAbort() {
      aborted += 1;
    },
  };
  return gate;
}

/**
 * Emits `{ phase: "started" }`, then waits until the gate opens or the run's signal
 * aborts; an aborted run throws, as a graph whose work was cancelled does.
 */
export function slowAgent(gate: Gate): ACPAgentOptions {
  const control = gate as Gate & { onStart(): void; onAbort(): void };
  const graph = new StateGraph(EchoState)
    .addNode("wait", async (state: typeof EchoState.State, config: LangGraphRunnableConfig) => {
      config.writer?.({ phase: "started" });
      control.onStart();
      const signal = config.signal;
      await new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(new Error("aborted"));
        signal?.addEventListener(
          "abort",
          () => {
            control.onAbort();
            reject(new Error("aborted"));
          },
          { once: true },
        );
        void gate.opened.then(() => resolve());
      });
      return { reply: `done: ${state.text}`, history: [state.text] };
    })
    .addEdge(START, "wait")
    .addEdge("wait", END)
    .compile();
  return { graph, descriptor: descriptor("test.slow", allCapabilities) };
}

/** An agent whose descriptor declares no streaming and no threads. */
export function plainAgent(): ACPAgentOptions {
  const agent = echoAgent();
  return {
    graph: agent.graph,
    descriptor: descriptor(
      "test.plain",
      { threads: false, interrupts: false, callbacks: false },
      {
        input: { type: "object" },
      },
    ),
  };
}

/** Answers the last message with an `AIMessage` quoting it: LangChain messages on the wire. */
export function chatAgent(): ACPAgentOptions {
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("reply", (state: typeof MessagesAnnotation.State) => {
      const last = state.messages.at(-1);
      return {
        messages: [new AIMessage({ content: `you said: ${String(last?.content)}`, id: "reply-1" })],
      };
    })
    .addEdge(START, "reply")
    .addEdge("reply", END)
    .compile();
  return { graph, descriptor: descriptor("test.chat", allCapabilities) };
}
