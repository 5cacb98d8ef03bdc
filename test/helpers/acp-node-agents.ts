/**
 * Remote agents for the ACPNode tests: small real graphs served by this project's ACP
 * server on 127.0.0.1, with counters the tests read to see what happened on the server.
 */

import {
  Annotation,
  END,
  interrupt,
  type LangGraphRunnableConfig,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { afterAll, beforeAll } from "vitest";
import { ACPClient } from "../../src/client/acp-client.js";
import type { AgentACPDescriptor } from "../../src/models/index.js";
import { deriveAgentId, type RunningACPServer, serveACP } from "../../src/server/index.js";
import { promisedSpecs } from "./graphs.js";
import { inParallel } from "./parallel-interrupts.js";

type Specs = AgentACPDescriptor["specs"];

const capabilities: Specs["capabilities"] = {
  threads: true,
  interrupts: true,
  callbacks: false,
  streaming: { values: true, custom: true },
};

function describe(name: string, specs: Partial<Specs>): AgentACPDescriptor {
  return {
    metadata: { ref: { name, version: "1.0.0" }, description: `ACPNode test agent ${name}` },
    specs: {
      capabilities,
      input: { type: "object" },
      output: { type: "object" },
      config: { type: "object" },
      ...promisedSpecs(specs.capabilities ?? capabilities),
      ...specs,
    },
  };
}

const WriterState = Annotation.Root({
  topic: Annotation<string>,
  draft: Annotation<string>,
});

/** Writes a draft about `topic`; its signature comes from config. */
function writerAgent() {
  const graph = new StateGraph(WriterState)
    .addNode("write", (state: typeof WriterState.State, config: LangGraphRunnableConfig) => {
      const signature = (config.configurable?.signature as string | undefined) ?? "anonymous";
      return { draft: `A mail about ${state.topic}. -- ${signature}` };
    })
    .addEdge(START, "write")
    .addEdge("write", END)
    .compile();
  const descriptor = describe("acpnode.writer", {
    capabilities: { threads: false, interrupts: false, callbacks: false },
    input: {
      type: "object",
      properties: { topic: { type: "string", minLength: 1 } },
      required: ["topic"],
    },
    output: {
      type: "object",
      properties: { topic: { type: "string" }, draft: { type: "string" } },
      required: ["draft"],
    },
    config: {
      type: "object",
      properties: { signature: { type: "string" } },
      additionalProperties: false,
    },
  });
  return { graph, descriptor };
}

const ReviewerState = Annotation.Root({
  draft: Annotation<string>,
  approved: Annotation<boolean>,
  notes: Annotation<string>,
});

/** Approves a draft when it is signed. */
function reviewerAgent() {
  const graph = new StateGraph(ReviewerState)
    .addNode("review", (state: typeof ReviewerState.State) => {
      const approved = !state.draft.endsWith("anonymous");
      return { approved, notes: approved ? "signed, fine" : "please sign" };
    })
    .addEdge(START, "review")
    .addEdge("review", END)
    .compile();
  const descriptor = describe("acpnode.reviewer", {
    capabilities: {
      threads: false,
      interrupts: false,
      callbacks: false,
      streaming: { values: true },
    },
    input: { type: "object", properties: { draft: { type: "string" } }, required: ["draft"] },
  });
  return { graph, descriptor };
}

/** Counters of the interrupting agent, kept on the server side. */
export interface AskCounters {
  /** How many times the asking node started executing. */
  executions: number;
}

const AskState = Annotation.Root({
  topic: Annotation<string>,
  answers: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/**
 * Emits a custom event, asks two questions with `interrupt()` (emitting an event after
 * each answer), then returns both answers.
 */
function askTwiceAgent(counters: AskCounters) {
  const graph = new StateGraph(AskState)
    .addNode("ask", (state: typeof AskState.State, config: LangGraphRunnableConfig) => {
      counters.executions += 1;
      config.writer?.({ phase: "asking" });
      const first = interrupt({ question: `Which ${state.topic}?` }) as { answer: string };
      config.writer?.({ phase: "got first", answer: first.answer });
      const second = interrupt({ question: "Are you sure?" }) as { answer: string };
      config.writer?.({ phase: "got second", answer: second.answer });
      return { answers: [first.answer, second.answer] };
    })
    .addEdge(START, "ask")
    .addEdge("ask", END)
    .compile();
  const answer = {
    type: "object",
    properties: { answer: { type: "string" } },
    required: ["answer"],
  };
  const descriptor = describe("acpnode.ask-twice", {
    input: { type: "object", properties: { topic: { type: "string" } }, required: ["topic"] },
    interrupts: [
      {
        interrupt_type: "question",
        interrupt_payload: { type: "object", properties: { question: { type: "string" } } },
        resume_payload: answer,
      },
    ],
  });
  return { graph, descriptor };
}

const BothState = Annotation.Root({
  answers: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** Two parallel branches that each ask a question with `interrupt()` in the same step. */
function askBothAgent() {
  const branch = (name: string) => () => {
    const reply = interrupt({ question: `${name}?` }) as { answer: string };
    return { answers: [`${name}: ${reply.answer}`] };
  };
  const graph = inParallel(
    new StateGraph(BothState).addNode({ left: branch("left"), right: branch("right") }),
    ["left", "right"],
  ).compile();
  return { graph, descriptor: describe("acpnode.ask-both", {}) };
}

/**
 * The runs of the barrier agent under way; it ends a run only once `size` are, or
 * after ten seconds at the latest (then `timedOut`), so a failing test ends.
 */
export interface Barrier {
  size: number;
  arrived: number;
  timedOut: boolean;
  open(): void;
  opened: Promise<void>;
}

function newBarrier(size: number): Barrier {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const barrier: Barrier = { size, arrived: 0, timedOut: false, open, opened };
  const timer = setTimeout(() => {
    barrier.timedOut = true;
    open();
  }, 10_000);
  timer.unref();
  void opened.then(() => clearTimeout(timer));
  return barrier;
}

/** Waits until `barrier.size` runs have started, then returns its note: runs that only end together. */
function barrierAgent(barrier: { current: Barrier }) {
  const graph = new StateGraph(NotesState)
    .addNode("meet", async (state: typeof NotesState.State) => {
      const b = barrier.current;
      b.arrived += 1;
      if (b.arrived >= b.size) b.open();
      await b.opened;
      return { notes: [state.note] };
    })
    .addEdge(START, "meet")
    .addEdge("meet", END)
    .compile();
  const descriptor = describe("acpnode.barrier", {
    capabilities: { threads: true, interrupts: false, callbacks: false },
    input: { type: "object", properties: { note: { type: "string" } }, required: ["note"] },
  });
  return { graph, descriptor };
}

/** Asks once with `interrupt()`, then fails when the answer is "boom". */
function askThenFailAgent() {
  const graph = new StateGraph(AskState)
    .addNode("ask", () => {
      const reply = interrupt({ question: "Detonate?" }) as { answer: string };
      if (reply.answer === "boom") throw new Error("it went boom");
      return { answers: [reply.answer] };
    })
    .addEdge(START, "ask")
    .addEdge("ask", END)
    .compile();
  return { graph, descriptor: describe("acpnode.ask-then-fail", {}) };
}

const StepsState = Annotation.Root({ count: Annotation<number> });

/** Emits `{ step: i }` for i = 1..count as custom events and returns the count. */
function stepsAgent() {
  const graph = new StateGraph(StepsState)
    .addNode("steps", (state: typeof StepsState.State, config: LangGraphRunnableConfig) => {
      for (let step = 1; step <= state.count; step += 1) config.writer?.({ step });
      return { count: state.count };
    })
    .addEdge(START, "steps")
    .addEdge("steps", END)
    .compile();
  const descriptor = describe("acpnode.steps", {
    capabilities: {
      threads: false,
      interrupts: false,
      callbacks: false,
      streaming: { custom: true },
    },
    input: { type: "object", properties: { count: { type: "integer" } }, required: ["count"] },
  });
  return { graph, descriptor };
}

/** What the slow agent saw. */
export interface SlowCounters {
  started: number;
  aborted: number;
}

/** Emits `{ phase: "started" }`, then waits until its run is cancelled. */
function slowAgent(counters: SlowCounters) {
  const graph = new StateGraph(WriterState)
    .addNode("wait", async (_state: typeof WriterState.State, config: LangGraphRunnableConfig) => {
      counters.started += 1;
      config.writer?.({ phase: "started" });
      await new Promise<void>((_resolve, reject) => {
        const stop = () => {
          counters.aborted += 1;
          reject(new Error("cancelled"));
        };
        if (config.signal?.aborted) stop();
        config.signal?.addEventListener("abort", stop, { once: true });
      });
      return {};
    })
    .addEdge(START, "wait")
    .addEdge("wait", END)
    .compile();
  return { graph, descriptor: describe("acpnode.slow", {}) };
}

/** The description the failing agent fails with. */
export const FAILURE = "the mail server is on fire";

/** Fails in its only node. */
function failingAgent() {
  const graph = new StateGraph(WriterState)
    .addNode("fail", (): Partial<typeof WriterState.State> => {
      throw new Error(FAILURE);
    })
    .addEdge(START, "fail")
    .addEdge("fail", END)
    .compile();
  return { graph, descriptor: describe("acpnode.failing", {}) };
}

/** How often the flaky agent ran and how many more times it fails. */
export interface FlakyCounters {
  calls: number;
  failuresLeft: number;
}

/** Fails while `failuresLeft` is above zero, then writes a draft. */
function flakyAgent(counters: FlakyCounters) {
  const graph = new StateGraph(WriterState)
    .addNode("try", (state: typeof WriterState.State) => {
      counters.calls += 1;
      if (counters.failuresLeft > 0) {
        counters.failuresLeft -= 1;
        throw new Error("flaky failure");
      }
      return { draft: `finally about ${state.topic}` };
    })
    .addEdge(START, "try")
    .addEdge("try", END)
    .compile();
  return { graph, descriptor: describe("acpnode.flaky", {}) };
}

const NotesState = Annotation.Root({
  note: Annotation<string>,
  notes: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** Keeps every note it was given on its thread. */
function notebookAgent() {
  const graph = new StateGraph(NotesState)
    .addNode("keep", (state: typeof NotesState.State) => ({ notes: [state.note] }))
    .addEdge(START, "keep")
    .addEdge("keep", END)
    .compile();
  const descriptor = describe("acpnode.notebook", {
    capabilities: { threads: true, interrupts: false, callbacks: false },
    input: { type: "object", properties: { note: { type: "string" } }, required: ["note"] },
    thread_state: { type: "object" },
  });
  return { graph, descriptor };
}

/** The served test agents, their ids and their counters. */
export interface ACPNodeAgents {
  server: RunningACPServer;
  url: string;
  ids: {
    writer: string;
    reviewer: string;
    ask: string;
    steps: string;
    slow: string;
    failing: string;
    notebook: string;
    flaky: string;
    askThenFail: string;
    askBoth: string;
    barrier: string;
  };
  /** The barrier the barrier agent's runs meet at; a test sets a new one. */
  barrier: { current: Barrier; reset(size: number): void };
  ask: AskCounters;
  flaky: FlakyCounters;
  slow: SlowCounters;
  descriptors: { writer: AgentACPDescriptor; ask: AgentACPDescriptor };
  close(): Promise<void>;
}

const id = (name: string) => deriveAgentId(name, "1.0.0");

/** Serves every test agent on 127.0.0.1 with a free port. */
export async function startACPNodeAgents(apiKey?: string): Promise<ACPNodeAgents> {
  const ask: AskCounters = { executions: 0 };
  const slow: SlowCounters = { started: 0, aborted: 0 };
  const flaky: FlakyCounters = { calls: 0, failuresLeft: 0 };
  const writer = writerAgent();
  const asking = askTwiceAgent(ask);
  const barrier = { current: newBarrier(1) };
  const server = await serveACP({
    agents: [
      writer,
      reviewerAgent(),
      asking,
      stepsAgent(),
      slowAgent(slow),
      failingAgent(),
      notebookAgent(),
      flakyAgent(flaky),
      askThenFailAgent(),
      askBothAgent(),
      barrierAgent(barrier),
    ],
    port: 0,
    hostname: "127.0.0.1",
    logger: { warn: () => undefined },
    // The node tests follow a remote failure's own text into the parent graph.
    exposeErrors: true,
    ...(apiKey !== undefined ? { apiKey } : {}),
  });
  return {
    server,
    url: server.url,
    ids: {
      writer: id("acpnode.writer"),
      reviewer: id("acpnode.reviewer"),
      ask: id("acpnode.ask-twice"),
      steps: id("acpnode.steps"),
      slow: id("acpnode.slow"),
      failing: id("acpnode.failing"),
      notebook: id("acpnode.notebook"),
      flaky: id("acpnode.flaky"),
      askThenFail: id("acpnode.ask-then-fail"),
      askBoth: id("acpnode.ask-both"),
      barrier: id("acpnode.barrier"),
    },
    ask,
    slow,
    flaky,
    descriptors: { writer: writer.descriptor, ask: asking.descriptor },
    barrier: {
      get current() {
        return barrier.current;
      },
      reset(size: number) {
        barrier.current = newBarrier(size);
      },
    },
    close: () => server.close(),
  };
}

/** The served agents and a client on them that a test file shares. */
export interface ACPNodeContext {
  readonly agents: ACPNodeAgents;
  readonly client: ACPClient;
}

/** Serves the agents and opens a client before the file's tests; closes both after them. */
export function useACPNodeAgents(): ACPNodeContext {
  const context = {} as { agents: ACPNodeAgents; client: ACPClient };
  beforeAll(async () => {
    context.agents = await startACPNodeAgents();
    context.client = new ACPClient({ configuration: { host: context.agents.url } });
  });
  afterAll(async () => {
    await context.client?.close();
    await context.agents?.close();
  });
  return context;
}
