/** A2ANode under `Send`: each branch in a context of its own, and no listener warning. */
import { Annotation, END, MemorySaver, Send, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { A2ANode } from "../../src/langgraph/index.js";
import { useA2AAgents } from "../helpers/a2a-agents.js";

const agents = useA2AAgents();

const State = Annotation.Root({
  items: Annotation<string[]>,
  request: Annotation<unknown>,
  results: Annotation<unknown[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

describe("A2ANode under Send (map-reduce)", () => {
  it("runs each branch in a context of its own, without a MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const node = await A2ANode.fromCardUrl(agents.baseUrl("echo"), {
        name: "remote",
        inputPath: "request",
        outputPath: "results",
      });
      const graph = new StateGraph(State)
        .addNode(node.getName(), node)
        .addConditionalEdges(
          START,
          (state: typeof State.State) =>
            state.items.map((item) => new Send(node.getName(), { request: { item } })),
          [node.getName()],
        )
        .addEdge(node.getName(), END)
        .compile({ checkpointer: new MemorySaver() });
      // Five: LangChain itself puts two listeners per task on the parent's signal, and
      // Node warns past ten; the node's own requests add none.
      const items = ["a", "b", "c", "d", "e"];
      const out = await graph.invoke({ items }, { configurable: { thread_id: "a2a-fan-out" } });
      const results = out.results as Array<{ received: { item: string }; turn: number }>;
      expect(results.map((r) => r.received.item).sort()).toEqual(items);
      // The echo agent counts the tasks of a context: one each, so no two branches shared one.
      expect(results.map((r) => r.turn)).toEqual(items.map(() => 1));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
