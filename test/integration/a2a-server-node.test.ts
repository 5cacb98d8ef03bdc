/**
 * This project's A2ANode calling this project's server over A2A: the card it reads
 * gives the node its types, an agent's `interrupt()` becomes the parent's interrupt
 * and `Command({ resume })` answers the same task, and a node built anew (a restart)
 * finds the waiting task again through `ListTasks` and the tag the server keeps.
 */
import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2ANode } from "../../src/langgraph/index.js";
import { type RunningACPServer, serveACP } from "../../src/server/index.js";
import { a2aBase, approvalAgent } from "../helpers/a2a-server-agents.js";
import { echoAgent, interruptTwiceAgent } from "../helpers/graphs.js";
import { agentIds, memoryLogger } from "../helpers/server.js";

let server: RunningACPServer;

beforeAll(async () => {
  server = await serveACP({
    agents: [echoAgent(), interruptTwiceAgent(), { ...approvalAgent(), agentId: "approval" }],
    port: 0,
    hostname: "127.0.0.1",
    logger: memoryLogger(),
  });
});

afterAll(async () => {
  await server?.close();
});

const State = Annotation.Root({ request: Annotation<unknown>, result: Annotation<unknown> });

interface Paused {
  __interrupt__?: { value: unknown }[];
  result?: unknown;
}

function nodeOf(agentId: string, streaming?: boolean) {
  return A2ANode.fromCardUrl(a2aBase(server.url, agentId), {
    name: "remote",
    inputPath: "request",
    outputPath: "result",
    ...(streaming !== undefined ? { streaming } : {}),
  });
}

function graphOf(node: A2ANode, checkpointer: MemorySaver) {
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile({ checkpointer });
}

describe("A2ANode against the server's A2A side", () => {
  it.each([true, false])(
    "answers a graph's questions in the parent (streaming %s)",
    async (streaming) => {
      const graph = graphOf(await nodeOf(agentIds.interrupt, streaming), new MemorySaver());
      const config = { configurable: { thread_id: `node-ask-${streaming}` } };
      const first = (await graph.invoke({ request: { topic: "maps" } }, config)) as Paused;
      expect(first.__interrupt__?.[0]?.value).toEqual({
        interrupt_type: "question",
        question: "first about maps?",
      });
      const second = (await graph.invoke(
        new Command({ resume: { answer: "old" } }),
        config,
      )) as Paused;
      expect(second.__interrupt__?.[0]?.value).toEqual({
        interrupt_type: "question",
        question: "second?",
      });
      const done = (await graph.invoke(
        new Command({ resume: { answer: "paper" } }),
        config,
      )) as Paused;
      expect(done.__interrupt__).toBeUndefined();
      expect(done.result).toMatchObject({ topic: "maps", answers: ["old", "paper"] });
    },
  );

  it("keeps the parent thread's context: the agent's thread goes on", async () => {
    const graph = graphOf(await nodeOf(agentIds.echo), new MemorySaver());
    const config = { configurable: { thread_id: "node-echo" } };
    await graph.invoke({ request: { text: "one" } }, config);
    const second = (await graph.invoke({ request: { text: "two" } }, config)) as Paused;
    expect(second.result).toMatchObject({ reply: "echo: two", history: ["one", "two"] });
  });

  it("finds the waiting task again from a node built anew", async () => {
    const saver = new MemorySaver();
    const config = { configurable: { thread_id: "node-restart" } };
    const asked = (await graphOf(await nodeOf("approval"), saver).invoke(
      { request: { item: "kite" } },
      config,
    )) as Paused;
    expect(asked.__interrupt__?.[0]?.value).toEqual({ question: "approve kite?" });
    // Another node, as after a restart: it has no memory of the task but the server's.
    const again = graphOf(await nodeOf("approval"), saver);
    const done = (await again.invoke(
      new Command({ resume: { approved: true } }),
      config,
    )) as Paused;
    expect(done.result).toEqual({ item: "kite", verdict: "kite approved" });
  });
});
