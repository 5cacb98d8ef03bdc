import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { ACPNode } from "../../src/langgraph/acp-node.js";
import { NodeStateError } from "../../src/langgraph/node-errors.js";
import { remoteThreadId } from "../../src/langgraph/task-identity.js";
import { useACPNodeAgents } from "../helpers/acp-node-agents.js";

const acp = useACPNodeAgents();

const State = Annotation.Root({
  request: Annotation<{ input?: unknown; output?: unknown }>,
});

function threadGraph(name: string, agentId: string, checkpointer?: MemorySaver) {
  const node = new ACPNode({
    name,
    agentId,
    client: acp.client,
    inputPath: "request.input",
    outputPath: "request.output",
    useThreads: true,
  });
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile(checkpointer ? { checkpointer } : {});
}

describe("ACPNode on remote threads", () => {
  it("gives each parent thread its own remote thread, kept between calls", async () => {
    const graph = threadGraph("notebook", acp.agents.ids.notebook);
    const note = (text: string, thread: string) =>
      graph.invoke({ request: { input: { note: text } } }, { configurable: { thread_id: thread } });

    await note("first", "parent-1");
    const second = await note("second", "parent-1");
    const other = await note("elsewhere", "parent-2");

    expect(second.request.output).toMatchObject({ notes: ["first", "second"] });
    expect(other.request.output).toMatchObject({ notes: ["elsewhere"] });

    const remote1 = await remoteThreadId("parent-1", "notebook");
    const remote2 = await remoteThreadId("parent-2", "notebook");
    expect(remote1).not.toBe(remote2);
    expect(remote1).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect((await acp.client.listThreadRuns(remote1)).length).toBe(2);
    expect((await acp.client.getThread(remote2)).values).toMatchObject({ notes: ["elsewhere"] });
  });

  it("needs the parent's thread id", async () => {
    const graph = threadGraph("notebook", acp.agents.ids.notebook);
    const error = await graph
      .invoke({ request: { input: { note: "lost" } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeStateError);
    expect((error as Error).message).toContain("configurable.thread_id");
  });

  it("resumes an interrupted run on the remote thread without starting another", async () => {
    const graph = threadGraph("ask", acp.agents.ids.ask, new MemorySaver());
    const config = { configurable: { thread_id: "thread-interrupts" } };
    const first = await graph.invoke({ request: { input: { topic: "thread" } } }, config);
    expect(
      (first as { __interrupt__?: Array<{ value: unknown }> }).__interrupt__?.[0]?.value,
    ).toEqual({ question: "Which thread?" });
    await graph.invoke(new Command({ resume: { answer: "this one" } }), config);
    const done = await graph.invoke(new Command({ resume: { answer: "yes" } }), config);
    expect(done.request.output).toMatchObject({ answers: ["this one", "yes"] });

    const runs = await acp.client.listThreadRuns(await remoteThreadId("thread-interrupts", "ask"));
    expect(runs).toHaveLength(1);
    expect(runs[0]?.status).toBe("success");
  });
});
