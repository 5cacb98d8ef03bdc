/**
 * Graphs whose parallel branches call `interrupt()` in the same step, and one such
 * graph with its ACP descriptor: the server must report both and take both answers
 * at once.
 */
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";
import type { ACPAgentOptions } from "../../src/server/index.js";

/**
 * Adds to a graph builder the edges that run its nodes `names` all from the start, in
 * one step, and end the graph with them.
 */
export function inParallel<
  N extends string,
  G extends { addEdge(start: typeof START | N, end: N | typeof END): unknown },
>(graph: G, names: readonly N[]): G {
  for (const name of names) graph.addEdge(START, name);
  for (const name of names) graph.addEdge(name, END);
  return graph;
}

const BranchState = Annotation.Root({
  topic: Annotation<string>,
  answers: Annotation<string[]>({ reducer: (a, b) => a.concat(b).sort(), default: () => [] }),
});

/** A branch that asks `question` and keeps `<name>: <answer>`. */
const branch = (name: string) => (state: typeof BranchState.State) => {
  const answer = interrupt({ question: `${name} about ${state.topic}?` }) as string;
  return { answers: [`${name}: ${answer}`] };
};

/** The id of {@link parallelInterruptsAgent} is derived from this name and version 1.0.0. */
export const PARALLEL_INTERRUPTS_NAME = "test.parallel-interrupts";

/** Branches `left` and `right` each ask a question; each answer is a string. */
export function parallelInterruptsAgent(): ACPAgentOptions {
  const graph = inParallel(
    new StateGraph(BranchState).addNode({ left: branch("left"), right: branch("right") }),
    ["left", "right"],
  ).compile();
  return {
    graph,
    descriptor: {
      metadata: {
        ref: { name: PARALLEL_INTERRUPTS_NAME, version: "1.0.0" },
        description: "asks two questions at once",
      },
      specs: {
        capabilities: { threads: true, interrupts: true, streaming: { values: true } },
        input: { type: "object", properties: { topic: { type: "string" } } },
        output: { type: "object" },
        config: { type: "object" },
        interrupts: [
          {
            interrupt_type: "question",
            interrupt_payload: {
              type: "object",
              properties: { question: { type: "string" } },
              required: ["question"],
            },
            resume_payload: { type: "string" },
          },
        ],
      },
    },
  };
}
