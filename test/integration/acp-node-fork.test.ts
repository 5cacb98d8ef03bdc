import {
  Annotation,
  END,
  type LangGraphRunnableConfig,
  MemorySaver,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { ACPClient } from "../../src/index.js";
import { ACPNode } from "../../src/langgraph/acp-node.js";
import { uuid6Time } from "../../src/langgraph/remote-forks.js";
import { useACPNodeAgents } from "../helpers/acp-node-agents.js";
import { startFaultProxy } from "../helpers/fault-proxy.js";

const acp = useACPNodeAgents();

const State = Annotation.Root({
  request: Annotation<{ note: string }>,
  result: Annotation<{ note: string; notes: string[] }>,
});

/** START → prepare → remote (the notebook agent on the node's remote thread) → END. */
function notebookGraph(client: ACPClient = acp.client) {
  const node = new ACPNode({
    name: "remote",
    agentId: acp.agents.ids.notebook,
    client,
    inputPath: "request",
    outputPath: "result",
    useThreads: true,
  });
  return new StateGraph(State)
    .addNode("prepare", () => ({}))
    .addNode(node.getName(), node)
    .addEdge(START, "prepare")
    .addEdge("prepare", node.getName())
    .addEdge(node.getName(), END)
    .compile({ checkpointer: new MemorySaver() });
}

type Graph = ReturnType<typeof notebookGraph>;

/** The same call, one level down: START → prepare → inner (a subgraph holding remote) → END. */
function nestedNotebookGraph() {
  const node = new ACPNode({
    name: "remote",
    agentId: acp.agents.ids.notebook,
    client: acp.client,
    inputPath: "request",
    outputPath: "result",
    useThreads: true,
  });
  const inner = new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile();
  return new StateGraph(State)
    .addNode("prepare", () => ({}))
    .addNode("inner", inner)
    .addEdge(START, "prepare")
    .addEdge("prepare", "inner")
    .addEdge("inner", END)
    .compile({ checkpointer: new MemorySaver() });
}

/** The checkpoint of the parent thread at which `remote` was about to be called with `note`. */
async function beforeCall(graph: Graph, config: LangGraphRunnableConfig, note: string) {
  for await (const snapshot of graph.getStateHistory(config)) {
    const values = snapshot.values as typeof State.State;
    if (snapshot.next.includes("remote") && values.request?.note === note) return snapshot.config;
  }
  throw new Error(`no checkpoint before the call with ${note}`);
}

/** Every remote thread the notebook agent ran on, with the notes of its runs in order. */
async function notebookThreads(): Promise<Map<string, number>> {
  const threads = await acp.client.searchThreads({ limit: 1000 });
  const used = new Map<string, number>();
  for (const thread of threads) {
    const runs = await acp.client.listThreadRuns(thread.thread_id);
    const mine = runs.filter((run) => run.agent_id === acp.agents.ids.notebook);
    if (mine.length > 0) used.set(thread.thread_id, mine.length);
  }
  return used;
}

const notes = (values: typeof State.State) => values.result.notes;

describe('ACPNode\'s remote thread (threadScope "node") across forks of the parent', () => {
  it("gives a fork the remote state up to the fork and none of the abandoned timeline", async () => {
    const graph = notebookGraph();
    const config = { configurable: { thread_id: "fork-node-scope" } };
    expect(notes(await graph.invoke({ request: { note: "a" } }, config))).toEqual(["a"]);
    expect(notes(await graph.invoke({ request: { note: "b" } }, config))).toEqual(["a", "b"]);
    expect(notes(await graph.invoke({ request: { note: "c" } }, config))).toEqual(["a", "b", "c"]);
    const endOfOriginal = (await graph.getState(config)).config;
    const threadsBefore = await notebookThreads();

    // Fork where "b" was about to be sent: the agent remembers "a" only.
    const fork = await graph.updateState(
      await beforeCall(graph, config, "b"),
      { request: { note: "x" } },
      "prepare",
    );
    expect(notes(await graph.invoke(null, fork))).toEqual(["a", "x"]);
    // The fork's later calls stay on the fork's thread.
    expect(notes(await graph.invoke({ request: { note: "y" } }, config))).toEqual(["a", "x", "y"]);

    // The fork ran on a remote thread of its own; the original thread kept its three runs.
    const threadsAfter = await notebookThreads();
    const added = [...threadsAfter.keys()].filter((t) => !threadsBefore.has(t));
    expect(added).toHaveLength(1);
    expect(threadsAfter.get(added[0] as string)).toBe(2);
    for (const [thread, runs] of threadsBefore) expect(threadsAfter.get(thread)).toBe(runs);

    // Going on from the original timeline's end finds the original thread again.
    const goOn = await graph.invoke({ request: { note: "d" } }, endOfOriginal);
    expect(notes(goOn)).toEqual(["a", "b", "c", "d"]);
    expect((await notebookThreads()).size).toBe(threadsAfter.size);
  });

  it("tells a fork of the parent from a node inside a subgraph", async () => {
    const graph = nestedNotebookGraph();
    const config = { configurable: { thread_id: "fork-nested" } };
    await graph.invoke({ request: { note: "a" } }, config);
    await graph.invoke({ request: { note: "b" } }, config);
    let beforeB: LangGraphRunnableConfig | undefined;
    for await (const snapshot of graph.getStateHistory(config)) {
      const values = snapshot.values as typeof State.State;
      if (snapshot.next.includes("inner") && values.request?.note === "b")
        beforeB = snapshot.config;
    }
    const fork = await graph.updateState(
      beforeB as LangGraphRunnableConfig,
      { request: { note: "x" } },
      "prepare",
    );
    expect(notes(await graph.invoke(null, fork))).toEqual(["a", "x"]);
    expect(notes(await graph.invoke({ request: { note: "y" } }, config))).toEqual(["a", "x", "y"]);
  });

  it("keeps the thread for a parent that lost its history (a new checkpointer, same thread id)", async () => {
    const config = { configurable: { thread_id: "fresh-checkpointer" } };
    await notebookGraph().invoke({ request: { note: "a" } }, config);
    // A new graph and MemorySaver, as after a restart: the remote thread still remembers.
    expect(notes(await notebookGraph().invoke({ request: { note: "b" } }, config))).toEqual([
      "a",
      "b",
    ]);
  });

  it("gives a fork from before the first call a fresh remote thread", async () => {
    const graph = notebookGraph();
    const config = { configurable: { thread_id: "fork-before-first-call" } };
    await graph.invoke({ request: { note: "a" } }, config);
    await graph.invoke({ request: { note: "b" } }, config);
    const fork = await graph.updateState(
      await beforeCall(graph, config, "a"),
      { request: { note: "z" } },
      "prepare",
    );
    expect(notes(await graph.invoke(null, fork))).toEqual(["z"]);
  });

  it("forks a fork: each line of the parent's history sees only its own calls", async () => {
    const graph = notebookGraph();
    const config = { configurable: { thread_id: "fork-of-fork" } };
    await graph.invoke({ request: { note: "a" } }, config);
    await graph.invoke({ request: { note: "b" } }, config);
    const first = await graph.updateState(
      await beforeCall(graph, config, "b"),
      { request: { note: "x" } },
      "prepare",
    );
    expect(notes(await graph.invoke(null, first))).toEqual(["a", "x"]);
    expect(notes(await graph.invoke({ request: { note: "y" } }, config))).toEqual(["a", "x", "y"]);
    // A fork of the fork, where "y" was about to be sent.
    const second = await graph.updateState(
      await beforeCall(graph, config, "y"),
      { request: { note: "w" } },
      "prepare",
    );
    expect(notes(await graph.invoke(null, second))).toEqual(["a", "x", "w"]);
  });

  it("replays from before a call on a thread of the replay, which remembers what came before", async () => {
    const graph = notebookGraph();
    const config = { configurable: { thread_id: "replay-node-scope" } };
    await graph.invoke({ request: { note: "a" } }, config);
    await graph.invoke({ request: { note: "b" } }, config);
    await graph.invoke({ request: { note: "c" } }, config);
    const before = await notebookThreads();
    // LangGraph runs the replayed step's tasks again, so the agent is asked again, on a
    // thread that holds "a" and none of the replaced "b" and "c".
    const replayed = await graph.invoke(null, await beforeCall(graph, config, "b"));
    expect(notes(replayed)).toEqual(["a", "b"]);
    const after = await notebookThreads();
    for (const [thread, runs] of before) expect(after.get(thread)).toBe(runs);
    expect(after.size).toBe(before.size + 1);
    // The replayed line goes on with "a" and "b" remembered, and without "c".
    expect(notes(await graph.invoke({ request: { note: "e" } }, config))).toEqual(["a", "b", "e"]);
  });

  it("gives a fork a fresh thread when the server cannot copy one", async () => {
    const proxy = await startFaultProxy(
      acp.agents.url,
      (req) => req.url?.endsWith("/copy") === true,
    );
    try {
      proxy.faults.push(501);
      const graph = notebookGraph(new ACPClient({ configuration: { host: proxy.url } }));
      const config = { configurable: { thread_id: "fork-without-copy" } };
      await graph.invoke({ request: { note: "a" } }, config);
      await graph.invoke({ request: { note: "b" } }, config);
      const fork = await graph.updateState(
        await beforeCall(graph, config, "b"),
        { request: { note: "x" } },
        "prepare",
      );
      // Nothing of the abandoned "b", and, without a copy, nothing from before the fork.
      expect(notes(await graph.invoke(null, fork))).toEqual(["x"]);
      expect(proxy.picked).toBe(1);
      expect(notes(await graph.invoke({ request: { note: "y" } }, config))).toEqual(["x", "y"]);
      // The fork's thread is named once: no second copy was asked for.
      expect(proxy.picked).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it("reads the time in a LangGraph checkpoint id, and none in another UUID", async () => {
    const graph = new StateGraph(State)
      .addNode("prepare", () => ({}))
      .addEdge(START, "prepare")
      .addEdge("prepare", END)
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "checkpoint-id-time" } };
    const before = Date.now();
    await graph.invoke({ request: { note: "a" } }, config);
    const after = Date.now();
    const id = (await graph.getState(config)).config.configurable?.checkpoint_id as string;
    const made = uuid6Time(id) as number;
    expect(made).toBeGreaterThanOrEqual(before);
    expect(made).toBeLessThanOrEqual(after + 1);
    expect(uuid6Time(crypto.randomUUID())).toBeUndefined();
    expect(uuid6Time("not-a-uuid")).toBeUndefined();
  });
});
