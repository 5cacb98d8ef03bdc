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

const notes = (values: typeof State.State) => values.result.notes;

/** The notebook agent as the node "remote", on the node's remote thread. */
function notebookNode(client: ACPClient = acp.client) {
  return new ACPNode({
    name: "remote",
    agentId: acp.agents.ids.notebook,
    client,
    inputPath: "request",
    outputPath: "result",
    useThreads: true,
  });
}

/** START → prepare → `step` → END, on a MemorySaver. */
function parentGraph(step: ReturnType<typeof notebookNode> | ReturnType<typeof innerGraph>) {
  const name = step.getName();
  return new StateGraph(State)
    .addNode("prepare", () => ({}))
    .addNode(name, step)
    .addEdge(START, "prepare")
    .addEdge("prepare", name)
    .addEdge(name, END)
    .compile({ checkpointer: new MemorySaver() });
}

/** A subgraph that calls the notebook agent. */
function innerGraph() {
  return new StateGraph(State)
    .addNode("remote", notebookNode())
    .addEdge(START, "remote")
    .addEdge("remote", END)
    .compile({ name: "inner" });
}

/** START → prepare → remote → END. */
const notebookGraph = (client?: ACPClient) => parentGraph(notebookNode(client));
/** The same call, one level down: START → prepare → inner (a subgraph holding remote) → END. */
const nestedNotebookGraph = () => parentGraph(innerGraph());

type Graph = ReturnType<typeof notebookGraph> | ReturnType<typeof nestedNotebookGraph>;
type Config = LangGraphRunnableConfig;

/** The parent's checkpoint at which `node` was about to run with `note`. */
async function beforeCall(graph: Graph, config: Config, note: string, node = "remote") {
  for await (const snapshot of graph.getStateHistory(config)) {
    const values = snapshot.values as typeof State.State;
    if (snapshot.next.includes(node) && values.request?.note === note) return snapshot.config;
  }
  throw new Error(`no checkpoint before the call with ${note}`);
}

/** Runs one parent turn per note, in order, and returns the agent's notes after the last. */
async function turns(graph: Graph, config: Config, ...sent: string[]): Promise<string[]> {
  let last: string[] = [];
  for (const note of sent) last = notes(await graph.invoke({ request: { note } }, config));
  return last;
}

/** Forks the parent where `note` was about to be sent, sends `instead` there, returns the notes. */
async function forkAt(
  graph: Graph,
  config: Config,
  note: string,
  instead: string,
  node = "remote",
) {
  const fork = await graph.updateState(
    await beforeCall(graph, config, note, node),
    { request: { note: instead } },
    "prepare",
  );
  return notes(await graph.invoke(null, fork));
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

describe('ACPNode\'s remote thread (threadScope "node") across forks of the parent', () => {
  it("gives a fork the remote state up to the fork and none of the abandoned timeline", async () => {
    const graph = notebookGraph();
    const config = { configurable: { thread_id: "fork-node-scope" } };
    expect(await turns(graph, config, "a", "b", "c")).toEqual(["a", "b", "c"]);
    const endOfOriginal = (await graph.getState(config)).config;
    const threadsBefore = await notebookThreads();

    // Fork where "b" was about to be sent: the agent remembers "a" only.
    expect(await forkAt(graph, config, "b", "x")).toEqual(["a", "x"]);
    // The fork's later calls stay on the fork's thread.
    expect(await turns(graph, config, "y")).toEqual(["a", "x", "y"]);

    // The fork ran on a remote thread of its own; the original thread kept its three runs.
    const threadsAfter = await notebookThreads();
    const added = [...threadsAfter.keys()].filter((t) => !threadsBefore.has(t));
    expect(added).toHaveLength(1);
    expect(threadsAfter.get(added[0] as string)).toBe(2);
    for (const [thread, runs] of threadsBefore) expect(threadsAfter.get(thread)).toBe(runs);

    // Going on from the original timeline's end finds the original thread again.
    expect(await turns(graph, endOfOriginal, "d")).toEqual(["a", "b", "c", "d"]);
    expect((await notebookThreads()).size).toBe(threadsAfter.size);
  });

  it("tells a fork of the parent from a node inside a subgraph", async () => {
    const graph = nestedNotebookGraph();
    const config = { configurable: { thread_id: "fork-nested" } };
    await turns(graph, config, "a", "b");
    expect(await forkAt(graph, config, "b", "x", "inner")).toEqual(["a", "x"]);
    expect(await turns(graph, config, "y")).toEqual(["a", "x", "y"]);
  });

  it("keeps the thread for a parent that lost its history (a new checkpointer, same thread id)", async () => {
    const config = { configurable: { thread_id: "fresh-checkpointer" } };
    await turns(notebookGraph(), config, "a");
    // A new graph and MemorySaver, as after a restart: the remote thread still remembers.
    expect(await turns(notebookGraph(), config, "b")).toEqual(["a", "b"]);
  });

  it("gives a fork from before the first call a fresh remote thread", async () => {
    const graph = notebookGraph();
    const config = { configurable: { thread_id: "fork-before-first-call" } };
    await turns(graph, config, "a", "b");
    expect(await forkAt(graph, config, "a", "z")).toEqual(["z"]);
  });

  it("forks a fork: each line of the parent's history sees only its own calls", async () => {
    const graph = notebookGraph();
    const config = { configurable: { thread_id: "fork-of-fork" } };
    await turns(graph, config, "a", "b");
    expect(await forkAt(graph, config, "b", "x")).toEqual(["a", "x"]);
    expect(await turns(graph, config, "y")).toEqual(["a", "x", "y"]);
    // A fork of the fork, where "y" was about to be sent.
    expect(await forkAt(graph, config, "y", "w")).toEqual(["a", "x", "w"]);
  });

  it("replays from before a call on a thread of the replay, which remembers what came before", async () => {
    const graph = notebookGraph();
    const config = { configurable: { thread_id: "replay-node-scope" } };
    await turns(graph, config, "a", "b", "c");
    const before = await notebookThreads();
    // LangGraph runs the replayed step's tasks again, so the agent is asked again, on a
    // thread that holds "a" and none of the replaced "b" and "c".
    const replayed = await graph.invoke(null, await beforeCall(graph, config, "b"));
    expect(notes(replayed)).toEqual(["a", "b"]);
    const after = await notebookThreads();
    for (const [thread, runs] of before) expect(after.get(thread)).toBe(runs);
    expect(after.size).toBe(before.size + 1);
    // The replayed line goes on with "a" and "b" remembered, and without "c".
    expect(await turns(graph, config, "e")).toEqual(["a", "b", "e"]);
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
      await turns(graph, config, "a", "b");
      // Nothing of the abandoned "b", and, without a copy, nothing from before the fork.
      expect(await forkAt(graph, config, "b", "x")).toEqual(["x"]);
      expect(proxy.picked).toBe(1);
      expect(await turns(graph, config, "y")).toEqual(["x", "y"]);
      // The fork's thread is named once: no second copy was asked for.
      expect(proxy.picked).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it("reads the name of a fork's thread from the server once, then remembers it", async () => {
    // The requests for a thread itself (GET /threads/{id}), where a fork's thread is named.
    const proxy = await startFaultProxy(
      acp.agents.url,
      (req) => req.method === "GET" && /^\/threads\/[^/]+$/.test(req.url ?? ""),
    );
    try {
      const graph = notebookGraph(new ACPClient({ configuration: { host: proxy.url } }));
      const config = { configurable: { thread_id: "fork-named-once" } };
      await turns(graph, config, "a", "b");
      expect(proxy.picked).toBe(0);
      expect(await forkAt(graph, config, "b", "x")).toEqual(["a", "x"]);
      expect(proxy.picked).toBe(1);
      expect(await turns(graph, config, "y", "z")).toEqual(["a", "x", "y", "z"]);
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
