import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { ACPNode } from "../../src/langgraph/acp-node.js";
import { useACPNodeAgents } from "../helpers/acp-node-agents.js";

const acp = useACPNodeAgents();

const State = Annotation.Root({
  request: Annotation<{ input?: unknown; output?: unknown }>,
});

type Pending = Array<{ id: string; value: { question: string } }>;

describe.each([
  ["streamed", undefined],
  ["waited for", [] as []],
])("ACPNode and a remote run that waits at several interrupts (%s)", (how, streamMode) => {
  it("shows the parent every one of them and sends the parent's answers back in one resume", async () => {
    const node = new ACPNode({
      name: "both",
      agentId: acp.agents.ids.askBoth,
      client: acp.client,
      inputPath: "request.input",
      outputPath: "request.output",
      ...(streamMode ? { streamMode } : {}),
    });
    const graph = new StateGraph(State)
      .addNode(node.getName(), node)
      .addEdge(START, node.getName())
      .addEdge(node.getName(), END)
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: `many-interrupts-${how}` } };

    const paused = (await graph.invoke({ request: { input: {} } }, config)) as {
      __interrupt__?: Pending;
    };
    const pending = paused.__interrupt__ ?? [];
    expect(pending.map((i) => i.value.question).sort()).toEqual(["left?", "right?"]);
    expect(new Set(pending.map((i) => i.id)).size).toBe(2);
    // The parent's state says the same.
    const state = await graph.getState(config);
    expect(state.tasks.flatMap((t) => t.interrupts)).toHaveLength(2);

    const resume = Object.fromEntries(
      pending.map((i) => [i.id, { answer: i.value.question === "left?" ? "yes" : "no" }]),
    );
    const done = await graph.invoke(new Command({ resume }), config);
    expect((done as { __interrupt__?: unknown }).__interrupt__).toBeUndefined();
    expect((done.request.output as { answers: string[] }).answers.sort()).toEqual([
      "left: yes",
      "right: no",
    ]);
  });
});
