import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { ACPRunException } from "../../src/core/errors.js";
import { ACPNode, type ACPNodeOptions } from "../../src/langgraph/acp-node.js";
import { useACPNodeAgents } from "../helpers/acp-node-agents.js";

const acp = useACPNodeAgents();

const State = Annotation.Root({
  request: Annotation<{ input?: unknown; output?: unknown }>,
});

function askGraph(options: Partial<ACPNodeOptions> = {}, checkpointer = new MemorySaver()) {
  const node = new ACPNode({
    name: "ask",
    agentId: acp.agents.ids.ask,
    client: acp.client,
    inputPath: "request.input",
    outputPath: "request.output",
    ...options,
  });
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile({ checkpointer });
}

async function statelessRunsOfAsk(): Promise<number> {
  return (await acp.client.searchStatelessRuns({ agent_id: acp.agents.ids.ask, limit: 1000 }))
    .length;
}

function interruptIdOf(out: unknown): string {
  return (out as { __interrupt__: Array<{ id: string }> }).__interrupt__[0]?.id as string;
}

function interruptsOf(out: unknown): unknown[] {
  const list = (out as { __interrupt__?: Array<{ value: unknown }> }).__interrupt__ ?? [];
  return list.map((i) => i.value);
}

describe.each([
  ["streamed", undefined],
  ["waited for", [] as []],
])("ACPNode interrupts (remote run %s)", (_how, streamMode) => {
  it("pauses the parent at each remote interrupt and resumes the same remote run", async () => {
    const graph = askGraph(streamMode ? { streamMode } : {});
    const config = { configurable: { thread_id: `interrupts-${_how}` } };
    const runsBefore = await statelessRunsOfAsk();

    const first = await graph.invoke({ request: { input: { topic: "colour" } } }, config);
    expect(interruptsOf(first)).toEqual([{ question: "Which colour?" }]);

    const second = await graph.invoke(new Command({ resume: { answer: "blue" } }), config);
    expect(interruptsOf(second)).toEqual([{ question: "Are you sure?" }]);

    const done = await graph.invoke(new Command({ resume: { answer: "yes" } }), config);
    expect(interruptsOf(done)).toEqual([]);
    expect(done.request.output).toEqual({ topic: "colour", answers: ["blue", "yes"] });

    expect(await statelessRunsOfAsk()).toBe(runsBefore + 1);
    const state = await graph.getState(config);
    expect(state.next).toEqual([]);
  });
});

describe("ACPNode interrupts", () => {
  it("takes answers addressed by interrupt id", async () => {
    const graph = askGraph();
    const config = { configurable: { thread_id: "answers-by-id" } };
    const runsBefore = await statelessRunsOfAsk();
    const first = await graph.invoke({ request: { input: { topic: "size" } } }, config);
    const firstId = interruptIdOf(first);
    const second = await graph.invoke(
      new Command({ resume: { [firstId]: { answer: "large" } } }),
      config,
    );
    expect(interruptsOf(second)).toEqual([{ question: "Are you sure?" }]);
    const secondId = interruptIdOf(second);
    expect(secondId).not.toBe(firstId);

    const done = await graph.invoke(
      new Command({ resume: { [secondId]: { answer: "sure" } } }),
      config,
    );
    expect(done.request.output).toEqual({ topic: "size", answers: ["large", "sure"] });
    expect(await statelessRunsOfAsk()).toBe(runsBefore + 1);
  });

  it("reports a remote failure after an answer, also when the parent runs the task again", async () => {
    const graph = askGraph({ agentId: acp.agents.ids.askThenFail });
    const config = { configurable: { thread_id: "fails-after-answer" } };
    await graph.invoke({ request: { input: { topic: "boom" } } }, config);
    const failed = await graph
      .invoke(new Command({ resume: { answer: "boom" } }), config)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ACPRunException);
    expect((failed as ACPRunException).errcode).toBe(500);
    expect((failed as ACPRunException).description).toContain("it went boom");

    const runs = () =>
      acp.client.searchStatelessRuns({ agent_id: acp.agents.ids.askThenFail, limit: 1000 });
    const before = (await runs()).length;
    const again = await graph.invoke(null, config).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ACPRunException);
    expect((again as ACPRunException).runId).toBe((failed as ACPRunException).runId);
    expect((await runs()).length).toBe(before);
  });

  it("keeps parallel parent threads apart", async () => {
    const graph = askGraph();
    const a = { configurable: { thread_id: "parallel-a" } };
    const b = { configurable: { thread_id: "parallel-b" } };
    await Promise.all([
      graph.invoke({ request: { input: { topic: "A" } } }, a),
      graph.invoke({ request: { input: { topic: "B" } } }, b),
    ]);
    await graph.invoke(new Command({ resume: { answer: "b1" } }), b);
    await graph.invoke(new Command({ resume: { answer: "a1" } }), a);
    const doneB = await graph.invoke(new Command({ resume: { answer: "b2" } }), b);
    const doneA = await graph.invoke(new Command({ resume: { answer: "a2" } }), a);
    expect(doneA.request.output).toEqual({ topic: "A", answers: ["a1", "a2"] });
    expect(doneB.request.output).toEqual({ topic: "B", answers: ["b1", "b2"] });
  });

  it("fails clearly when the parent has no checkpointer to pause with", async () => {
    const node = new ACPNode({
      name: "ask",
      agentId: acp.agents.ids.ask,
      client: acp.client,
      inputPath: "request.input",
      outputPath: "request.output",
      streamMode: [],
    });
    const graph = new StateGraph(State)
      .addNode(node.getName(), node)
      .addEdge(START, node.getName())
      .compile();
    const error = await graph
      .invoke({ request: { input: { topic: "no checkpointer" } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ACPRunException);
    expect((error as Error).message).toContain("cannot pause");
    expect((error as ACPRunException).runId).toEqual(expect.any(String));
  });
});
