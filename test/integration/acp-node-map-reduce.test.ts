import {
  Annotation,
  Command,
  END,
  MemorySaver,
  Send,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACPNode, type ACPNodeOptions } from "../../src/langgraph/acp-node.js";
import { useACPNodeAgents } from "../helpers/acp-node-agents.js";

const acp = useACPNodeAgents();

interface Branch {
  request: { input?: unknown; output?: unknown };
}

const State = Annotation.Root({
  notes: Annotation<string[]>,
  request: Annotation<{ input?: unknown; output?: unknown }>,
  results: Annotation<unknown[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** START fans out one `Send` per note to a threaded ACPNode, whose outputs are collected. */
function fanOutGraph(
  agentId: string,
  input: (note: string) => unknown,
  options: Partial<ACPNodeOptions> = {},
) {
  const node = new ACPNode({
    name: "remote",
    agentId,
    client: acp.client,
    inputPath: "request.input",
    outputPath: "results",
    useThreads: true,
    ...options,
  });
  return new StateGraph(State)
    .addNode("plan", () => ({}))
    .addNode(node.getName(), node)
    .addEdge(START, "plan")
    .addConditionalEdges(
      "plan",
      (state: typeof State.State) =>
        state.notes.map(
          (note) => new Send(node.getName(), { request: { input: input(note) } } satisfies Branch),
        ),
      [node.getName()],
    )
    .addEdge(node.getName(), END)
    .compile({ checkpointer: new MemorySaver() });
}

/** The remote threads the agent ran on, with their runs' metadata. */
async function threadsOfRuns(agentId: string): Promise<Set<string>> {
  const threads = await acp.client.searchThreads({ limit: 1000 });
  const used = new Set<string>();
  for (const thread of threads) {
    const runs = await acp.client.listThreadRuns(thread.thread_id);
    if (runs.some((run) => run.agent_id === agentId)) used.add(thread.thread_id);
  }
  return used;
}

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  warnings.length = 0;
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("warning", onWarning);
});

describe("ACPNode under Send (map-reduce) with remote threads", () => {
  it("runs five branches concurrently, each on a remote thread of its own, without a warning", async () => {
    const before = await threadsOfRuns(acp.agents.ids.notebook);
    const graph = fanOutGraph(acp.agents.ids.notebook, (note) => ({ note }));
    const notes = ["a", "b", "c", "d", "e"];
    const out = await graph.invoke({ notes }, { configurable: { thread_id: "map-reduce-5" } });

    // Each branch's remote thread holds its own note only.
    const results = out.results as Array<{ notes: string[] }>;
    expect(results.map((r) => r.notes).sort()).toEqual(notes.map((n) => [n]));
    const after = await threadsOfRuns(acp.agents.ids.notebook);
    expect([...after].filter((t) => !before.has(t))).toHaveLength(5);
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });

  it("runs the branches' remote runs at the same time", async () => {
    // Each remote run ends only once all five are under way: runs queued one after
    // another on a shared thread would never get there.
    acp.agents.barrier.reset(5);
    const graph = fanOutGraph(acp.agents.ids.barrier, (note) => ({ note }));
    const notes = ["a", "b", "c", "d", "e"];
    const out = await graph.invoke(
      { notes },
      { configurable: { thread_id: "map-reduce-barrier" } },
    );
    expect((out.results as Array<{ notes: string[] }>).map((r) => r.notes).sort()).toEqual(
      notes.map((n) => [n]),
    );
    expect(acp.agents.barrier.current.arrived).toBe(5);
    expect(acp.agents.barrier.current.timedOut).toBe(false);
  });

  it("takes the remote thread from the state when threadIdPath says where", async () => {
    const threadIds = [
      "0e4f6b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
      "1e4f6b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    ];
    const node = new ACPNode({
      name: "remote",
      agentId: acp.agents.ids.notebook,
      client: acp.client,
      inputPath: "request.input",
      outputPath: "results",
      threadIdPath: "request.thread",
    });
    const BranchState = Annotation.Root({
      request: Annotation<{ input?: unknown; thread?: string }>,
      results: Annotation<unknown[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const graph = new StateGraph(BranchState)
      .addNode(node.getName(), node)
      .addConditionalEdges(
        START,
        () =>
          threadIds.map(
            (thread, i) =>
              new Send(node.getName(), { request: { input: { note: `n${i}` }, thread } }),
          ),
        [node.getName()],
      )
      .addEdge(node.getName(), END)
      .compile();
    await graph.invoke({});
    const second = await graph.invoke({});
    expect((second.results as Array<{ notes: string[] }>).map((r) => r.notes).sort()).toEqual([
      ["n0", "n0"],
      ["n1", "n1"],
    ]);
    expect((await acp.client.getThread(threadIds[0] as string)).values).toMatchObject({
      notes: ["n0", "n0"],
    });
  });

  it("pauses at every branch's interrupt and resumes each branch on its own thread", async () => {
    const graph = fanOutGraph(acp.agents.ids.ask, (topic) => ({ topic }));
    const config = { configurable: { thread_id: "map-reduce-ask" } };
    const threadsBefore = await threadsOfRuns(acp.agents.ids.ask);
    let out = await graph.invoke({ notes: ["cat", "dog"] }, config);
    for (let round = 0; round < 2; round += 1) {
      const pending = (
        out as { __interrupt__?: Array<{ id: string; value: { question: string } }> }
      ).__interrupt__;
      expect(pending).toHaveLength(2);
      const resume = Object.fromEntries(
        (pending ?? []).map((i) => [i.id, { answer: `${round}:${i.value.question}` }]),
      );
      out = await graph.invoke(new Command({ resume }), config);
    }
    const results = out.results as Array<{ topic: string; answers: string[] }>;
    expect(results.sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: "cat", answers: ["0:Which cat?", "1:Are you sure?"] },
      { topic: "dog", answers: ["0:Which dog?", "1:Are you sure?"] },
    ]);
    const threads = [...(await threadsOfRuns(acp.agents.ids.ask))].filter(
      (t) => !threadsBefore.has(t),
    );
    expect(threads).toHaveLength(2);
    for (const thread of threads) {
      // One run per branch: each resume went back to the run on the branch's own thread.
      expect(await acp.client.listThreadRuns(thread)).toHaveLength(1);
    }
  });

  it("forks from an earlier checkpoint onto fresh remote threads", async () => {
    const graph = fanOutGraph(acp.agents.ids.notebook, (note) => ({ note }));
    const config = { configurable: { thread_id: "map-reduce-fork" } };
    const first = await graph.invoke({ notes: ["old-1", "old-2"] }, config);
    expect((first.results as Array<{ notes: string[] }>).map((r) => r.notes).sort()).toEqual([
      ["old-1"],
      ["old-2"],
    ]);
    // The checkpoint after "plan", before the branches ran.
    const history = [];
    for await (const snapshot of graph.getStateHistory(config)) history.push(snapshot);
    const beforeBranches = history.find((s) => s.next.includes("remote"));
    expect(beforeBranches).toBeDefined();
    const fork = await graph.updateState(
      beforeBranches!.config,
      { notes: ["new-1", "new-2"] },
      "plan",
    );
    const forked = await graph.invoke(null, fork);
    const notes = (forked.results as Array<{ notes: string[] }>).map((r) => r.notes);
    expect(notes.flat().filter((n) => n.startsWith("old"))).toEqual([]);
  });

  it("replays a branch from its checkpoint with the remote result it had, calling no agent again", async () => {
    const graph = fanOutGraph(acp.agents.ids.notebook, (note) => ({ note }));
    const config = { configurable: { thread_id: "map-reduce-replay" } };
    await graph.invoke({ notes: ["once"] }, config);
    const history = [];
    for await (const snapshot of graph.getStateHistory(config)) history.push(snapshot);
    const beforeBranches = history.find((s) => s.next.includes("remote"));
    const threads = await threadsOfRuns(acp.agents.ids.notebook);
    const runsBefore = (
      await Promise.all([...threads].map((t) => acp.client.listThreadRuns(t)))
    ).flat().length;
    const replayed = await graph.invoke(null, beforeBranches!.config);
    expect(replayed.results).toEqual([{ note: "once", notes: ["once"] }]);
    const runsAfter = (
      await Promise.all([...threads].map((t) => acp.client.listThreadRuns(t)))
    ).flat().length;
    expect(runsAfter).toBe(runsBefore);
  });
});
