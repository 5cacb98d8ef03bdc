/**
 * LangGraph.js agents for the reference-server stand-in, each with the data its
 * manifest would give: a two-step composer, an approver that interrupts, and a
 * reviewer that interrupts after an update shaped like its question. Their
 * `pause` hooks let a test hold a graph between two steps (for keep-alives, drops
 * and re-joins) without any timing.
 */
import { Annotation, END, interrupt, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import type { ReferenceAgent } from "./server.js";

/** Where a test may hold a graph; resolves when the graph may go on. */
export type Pause = () => Promise<void>;

const proceed: Pause = () => Promise.resolve();

const ComposerState = Annotation.Root({
  topic: Annotation<string>,
  draft: Annotation<string>,
  answer: Annotation<string>,
});

/** Agent id of {@link composerAgent}: the reference derives UUIDs. */
export const COMPOSER_ID = "3f0b7a52-8c1e-4d2b-9a61-0c5e2f7d4b13";

/**
 * `write` writes `{ draft }`, then `polish` (after `pause`) writes `{ answer }`:
 * two updates, so two stream events. Its config schema is not empty, so the
 * reference requires `config` in every run request.
 */
export function composerAgent(pause: Pause = proceed): ReferenceAgent {
  const graph = new StateGraph(ComposerState)
    .addNode("write", (state: typeof ComposerState.State) => ({ draft: `draft on ${state.topic}` }))
    .addNode("polish", async (state: typeof ComposerState.State) => {
      await pause();
      return { answer: `${state.draft}, polished` };
    })
    .addEdge(START, "write")
    .addEdge("write", "polish")
    .addEdge("polish", END)
    .compile({ checkpointer: new MemorySaver() });
  return {
    agentId: COMPOSER_ID,
    graph,
    descriptor: {
      name: "org.example.composer",
      version: "0.1.0",
      description: "Writes a short text on a topic",
      capabilities: { streaming: { values: true } },
      input: { type: "object", properties: { topic: { type: "string" } }, required: ["topic"] },
      output: { type: "object" },
      config: { type: "object", properties: { style: { type: "string" } } },
    },
  };
}

const ApproverState = Annotation.Root({
  request: Annotation<string>,
  question: Annotation<string>,
  decision: Annotation<string>,
});

/** Agent id of {@link approverAgent}. */
export const APPROVER_ID = "b6d2e8f4-1a3c-4e5b-8f70-9c2d4a6b8e01";

/** The interrupt type the approver declares. */
export const APPROVAL = {
  interrupt_type: "approval",
  interrupt_payload: {
    type: "object",
    properties: { question: { type: "string" } },
    required: ["question"],
    additionalProperties: false,
  },
  resume_payload: {
    type: "object",
    properties: { approved: { type: "boolean" } },
    required: ["approved"],
  },
};

/**
 * `prepare` writes `{ question }`; `ask` (after `pause`) asks it with
 * `interrupt({ question })` and, resumed with `{ approved }`, writes `{ decision }`.
 */
export function approverAgent(pause: Pause = proceed): ReferenceAgent {
  const graph = new StateGraph(ApproverState)
    .addNode("prepare", (state: typeof ApproverState.State) => ({
      question: `approve ${state.request}?`,
    }))
    .addNode("ask", async (state: typeof ApproverState.State) => {
      await pause();
      const answer = interrupt({ question: state.question }) as { approved: boolean };
      return {
        decision: answer.approved ? `${state.request}: approved` : `${state.request}: refused`,
      };
    })
    .addEdge(START, "prepare")
    .addEdge("prepare", "ask")
    .addEdge("ask", END)
    .compile({ checkpointer: new MemorySaver() });
  return {
    agentId: APPROVER_ID,
    graph,
    descriptor: {
      name: "org.example.approver",
      version: "0.1.0",
      description: "Asks a human to approve a request",
      capabilities: { interrupts: true, streaming: { values: true } },
      input: {
        type: "object",
        properties: { request: { type: "string" } },
        required: ["request"],
      },
      output: { type: "object" },
      config: {},
      interrupts: [APPROVAL],
    },
  };
}

/** Agent id of {@link reviewerAgent}. */
export const REVIEWER_ID = "e41c7d90-6b2a-4f8e-a3d5-7f1b9c0e2a64";

/**
 * `check` writes `{ question: "checking <request>" }`, a progress update that
 * happens to fit the approval payload schema; `ask` then interrupts with
 * `{ question: "approve <request>?" }` and, resumed with `{ approved }`, writes
 * `{ decision }`. Only the run's wait answer tells the update from the interrupt.
 */
export function reviewerAgent(): ReferenceAgent {
  const graph = new StateGraph(ApproverState)
    .addNode("check", (state: typeof ApproverState.State) => ({
      question: `checking ${state.request}`,
    }))
    .addNode("ask", (state: typeof ApproverState.State) => {
      const answer = interrupt({ question: `approve ${state.request}?` }) as { approved: boolean };
      return {
        decision: answer.approved ? `${state.request}: approved` : `${state.request}: refused`,
      };
    })
    .addEdge(START, "check")
    .addEdge("check", "ask")
    .addEdge("ask", END)
    .compile({ checkpointer: new MemorySaver() });
  return {
    agentId: REVIEWER_ID,
    graph,
    descriptor: {
      name: "org.example.reviewer",
      version: "0.1.0",
      description: "Checks a request, then asks a human to approve it",
      capabilities: { interrupts: true, streaming: { values: true } },
      input: {
        type: "object",
        properties: { request: { type: "string" } },
        required: ["request"],
      },
      output: { type: "object" },
      config: {},
      interrupts: [APPROVAL],
    },
  };
}
