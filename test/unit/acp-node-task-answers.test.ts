import {
  Annotation,
  Command,
  END,
  interrupt,
  type LangGraphRunnableConfig,
  MemorySaver,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { answersGiven } from "../../src/langgraph/task-answers.js";

const State = Annotation.Root({ answers: Annotation<unknown[]> });

/** A local node that asks three questions and records what answersGiven saw each time. */
function recordingGraph(seen: number[]) {
  return new StateGraph(State)
    .addNode("ask", (_state: typeof State.State, config: LangGraphRunnableConfig) => {
      seen.push(answersGiven(config));
      const answers = [interrupt("one"), interrupt("two"), interrupt("three")];
      return { answers };
    })
    .addEdge(START, "ask")
    .addEdge("ask", END)
    .compile({ checkpointer: new MemorySaver() });
}

function idOf(out: unknown): string {
  return (out as { __interrupt__: Array<{ id: string }> }).__interrupt__[0]?.id as string;
}

describe("answersGiven", () => {
  it("counts the answers recorded before each execution of a task", async () => {
    const seen: number[] = [];
    const graph = recordingGraph(seen);
    const config = { configurable: { thread_id: "plain" } };
    await graph.invoke({ answers: [] }, config);
    await graph.invoke(new Command({ resume: "a" }), config);
    await graph.invoke(new Command({ resume: "b" }), config);
    const out = await graph.invoke(new Command({ resume: "c" }), config);
    expect(out.answers).toEqual(["a", "b", "c"]);
    // The new answer of each resume is not yet recorded when the node starts again.
    expect(seen).toEqual([0, 0, 1, 2]);
  });

  it("does not count an answer given by interrupt id as recorded", async () => {
    const seen: number[] = [];
    const graph = recordingGraph(seen);
    const config = { configurable: { thread_id: "by-id" } };
    const first = await graph.invoke({ answers: [] }, config);
    const second = await graph.invoke(new Command({ resume: { [idOf(first)]: { n: 1 } } }), config);
    const third = await graph.invoke(new Command({ resume: { [idOf(second)]: { n: 2 } } }), config);
    const out = await graph.invoke(new Command({ resume: { [idOf(third)]: { n: 3 } } }), config);
    expect(out.answers).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(seen).toEqual([0, 0, 1, 2]);
  });

  it("is zero outside a graph", () => {
    expect(answersGiven({})).toBe(0);
    expect(answersGiven({ configurable: { __pregel_scratchpad: "not a scratchpad" } })).toBe(0);
  });
});
