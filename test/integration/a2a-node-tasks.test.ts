/**
 * The life of a remote A2A task under A2ANode: input-required as the parent's
 * interrupt and `Command({ resume })` as the answer, the context of a parent thread,
 * an aborted parent cancelling the task, and tasks that end badly.
 */
import { TaskState } from "@a2a-js/sdk";
import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it, vi } from "vitest";
import { A2AInterruptError, A2ANode, A2ATaskError } from "../../src/langgraph/index.js";
import { type A2AAgentName, useA2AAgents } from "../helpers/a2a-agents.js";

/** How long a test waits for something the agent does, on a busy machine. */
const WAIT = { timeout: 15_000, interval: 20 };

const agents = useA2AAgents();

const State = Annotation.Root({
  request: Annotation<unknown>,
  result: Annotation<unknown>,
});

function nodeOf(name: A2AAgentName) {
  return A2ANode.fromCardUrl(agents.baseUrl(name), {
    name: "remote",
    inputPath: "request",
    outputPath: "result",
  });
}

function graphOf(node: A2ANode, checkpointer?: MemorySaver) {
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile(checkpointer ? { checkpointer } : {});
}

interface Paused {
  __interrupt__?: { value: unknown }[];
  result?: unknown;
}

describe.each(["asker", "asker-blocking"] as const)("input-required (%s)", (agent) => {
  it("pauses the parent with the agent's question and resumes the same task", async () => {
    const graph = graphOf(await nodeOf(agent), new MemorySaver());
    const config = { configurable: { thread_id: `ask-${agent}` } };
    const before = agents.records.inputs[agent]?.length ?? 0;

    const first = (await graph.invoke({ request: { topic: "picnic" } }, config)) as Paused;
    expect(first.__interrupt__?.[0]?.value).toEqual({ question: "Which name?" });
    expect(first.result).toBeUndefined();

    const second = (await graph.invoke(new Command({ resume: "Ada" }), config)) as Paused;
    expect(second.__interrupt__?.[0]?.value).toBe("Which colour?");

    const done = (await graph.invoke(new Command({ resume: "green" }), config)) as Paused;
    expect(done.__interrupt__).toBeUndefined();
    expect(done.result).toEqual({ topic: { topic: "picnic" }, name: "Ada", colour: "green" });
    // One message per step reached the agent: the input, then each answer once.
    expect(agents.records.inputs[agent]?.slice(before)).toEqual([
      { topic: "picnic" },
      "Ada",
      "green",
    ]);
  });
});

describe("input-required after a restart", () => {
  it("finds the waiting task again with a new node (ListTasks by the node's context)", async () => {
    const checkpointer = new MemorySaver();
    const config = { configurable: { thread_id: "ask-restart" } };
    const first = (await graphOf(await nodeOf("asker"), checkpointer).invoke(
      { request: { topic: "boat" } },
      config,
    )) as Paused;
    expect(first.__interrupt__?.[0]?.value).toEqual({ question: "Which name?" });
    const contextsBefore = agents.records.contexts.asker?.length ?? 0;

    // A new node has no memory of the task: as after a process restart.
    const again = graphOf(await nodeOf("asker"), checkpointer);
    const second = (await again.invoke(new Command({ resume: "Bo" }), config)) as Paused;
    expect(second.__interrupt__?.[0]?.value).toBe("Which colour?");
    const done = (await again.invoke(new Command({ resume: "red" }), config)) as Paused;
    expect(done.result).toEqual({ topic: { topic: "boat" }, name: "Bo", colour: "red" });
    const contexts = agents.records.contexts.asker ?? [];
    expect(new Set(contexts.slice(contextsBefore - 1)).size).toBe(1);
  });

  it("is a typed error when the parent graph cannot pause, and the task is cancelled", async () => {
    const node = await nodeOf("asker");
    const err = await graphOf(node)
      .invoke({ request: { topic: "no checkpointer" } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(A2AInterruptError);
    const task = (err as A2AInterruptError).taskId;
    await vi.waitUntil(async () => {
      const got = await node.client.getTask({ tenant: "", id: task });
      return got.status?.state === TaskState.TASK_STATE_CANCELED;
    }, WAIT);
  });
});

describe("the A2A context of a parent thread", () => {
  it("is the same for every invocation of the node on one thread, and new on another", async () => {
    const graph = graphOf(await nodeOf("echo"), new MemorySaver());
    const on = (thread: string) => ({ configurable: { thread_id: thread } });
    const from = agents.records.contexts.echo?.length ?? 0;

    const one = await graph.invoke({ request: { n: 1 } }, on("ctx-a"));
    const two = await graph.invoke({ request: { n: 2 } }, on("ctx-a"));
    const other = await graph.invoke({ request: { n: 3 } }, on("ctx-b"));

    expect(one.result).toEqual({ received: { n: 1 }, turn: 1 });
    expect(two.result).toEqual({ received: { n: 2 }, turn: 2 });
    expect(other.result).toEqual({ received: { n: 3 }, turn: 1 });
    const [a1, a2, b] = agents.records.contexts.echo?.slice(from) ?? [];
    expect(a1).toBe(a2);
    expect(b).not.toBe(a1);

    // A node built anew (another process) finds the same context for the thread.
    const later = await graphOf(await nodeOf("echo"), new MemorySaver()).invoke(
      { request: { n: 4 } },
      on("ctx-a"),
    );
    expect(later.result).toEqual({ received: { n: 4 }, turn: 3 });
  });
});

describe("an agent that does not serve ListTasks", () => {
  it("still runs on a thread, and is not asked again once it said so", async () => {
    const node = await A2ANode.fromCardUrl(agents.baseUrl("echo-nolist"), {
      name: "remote",
      inputPath: "request",
      outputPath: "result",
      transport: "HTTP+JSON",
    });
    const graph = graphOf(node, new MemorySaver());
    const listCalls = () =>
      agents.records.requests.filter((r) => r.path === "/agents/echo-nolist/rest/tasks").length;
    const config = { configurable: { thread_id: "nolist" } };
    const one = await graph.invoke({ request: { n: 1 } }, config);
    expect(one.result).toEqual({ received: { n: 1 }, turn: 1 });
    expect(listCalls()).toBe(1);
    const two = await graph.invoke({ request: { n: 2 } }, config);
    expect(two.result).toEqual({ received: { n: 2 }, turn: 2 });
    expect(listCalls()).toBe(1);
  });
});

describe.each(["slow", "slow-blocking"] as const)("an aborted parent (%s)", (agent) => {
  it("cancels the remote task", async () => {
    const graph = graphOf(await nodeOf(agent), new MemorySaver());
    const controller = new AbortController();
    const startedBefore = agents.records.slowStarted.length;
    const running = graph
      .invoke(
        { request: { work: agent } },
        { signal: controller.signal, configurable: { thread_id: `abort-${agent}` } },
      )
      .catch((e: unknown) => e);
    await vi.waitUntil(() => agents.records.slowStarted.length > startedBefore, WAIT);
    const taskId = agents.records.slowStarted.at(-1);
    controller.abort();
    const err = await running;
    expect(err).toBeInstanceOf(Error);
    await vi.waitUntil(() => agents.records.cancelled.includes(taskId as string), WAIT);
  });
});

describe("a task that ends badly", () => {
  it("is an A2ATaskError with the state and the agent's message", async () => {
    const graph = graphOf(await nodeOf("failing"));
    const failed = await graph.invoke({ request: "the dishes" }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(A2ATaskError);
    expect(failed).toMatchObject({
      state: "failed",
      node: "remote",
      agentMessage: 'cannot do "the dishes"',
    });

    const rejected = await graph.invoke({ request: "reject" }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(A2ATaskError);
    expect((rejected as A2ATaskError).state).toBe("rejected");
    expect((rejected as Error).message).toContain("ended rejected");
  });
});
