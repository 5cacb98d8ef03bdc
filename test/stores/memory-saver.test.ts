/**
 * The server's default checkpointer reads a thread's latest checkpoint from the newest
 * id it kept as checkpoints were stored: every read answers what LangGraph's
 * MemorySaver answers, across threads, namespaces (subgraphs), deletes and rewrites.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  Annotation,
  type BaseCheckpointSaver,
  type CheckpointMetadata,
  END,
  MemorySaver,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { ServerMemorySaver } from "../../src/server/stores/memory-saver.js";

const State = Annotation.Root({ text: Annotation<string>, reply: Annotation<string> });

/** A graph whose one node is a subgraph: its checkpoints have a namespace of their own. */
function graphOn(saver: BaseCheckpointSaver) {
  const inner = new StateGraph(State)
    .addNode("echo", (s: typeof State.State) => ({ reply: `echo: ${s.text}` }))
    .addEdge(START, "echo")
    .addEdge("echo", END)
    .compile();
  return new StateGraph(State)
    .addNode("inner", inner)
    .addEdge(START, "inner")
    .addEdge("inner", END)
    .compile({ checkpointer: saver });
}

/** What a read of the latest checkpoint answers, without its (copied) channel values. */
async function latest(saver: BaseCheckpointSaver, threadId: string, ns = "", sorted = false) {
  const config = { configurable: { thread_id: threadId, checkpoint_ns: ns } };
  // MemorySaver's own read, on the same storage: it sorts every id of the thread.
  const tuple = await (sorted
    ? MemorySaver.prototype.getTuple.call(saver, config)
    : saver.getTuple(config));
  return tuple && { config: tuple.config, parent: tuple.parentConfig, id: tuple.checkpoint.id };
}

/** The latest checkpoint of a thread as the saver reads it, checked against MemorySaver's read. */
async function same(saver: ServerMemorySaver, threadId: string, ns = "") {
  const read = await latest(saver, threadId, ns);
  expect(read).toEqual(await latest(saver, threadId, ns, true));
  return read;
}

describe("the server's memory checkpointer", () => {
  it("reads each thread's latest checkpoint as MemorySaver does, after runs, deletes and rewrites", async () => {
    const saver = new ServerMemorySaver();
    const graph = graphOn(saver);
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      for (const threadId of ["t1", "t2"]) {
        await graph.invoke({ text: `${threadId} ${i}` }, { configurable: { thread_id: threadId } });
        const id = (await same(saver, threadId))?.id as string;
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
    // The latest checkpoint is the one the graph's state is read from.
    const state = await graph.getState({ configurable: { thread_id: "t1" } });
    expect(state.values).toEqual({ text: "t1 4", reply: "echo: t1 4" });
    expect(state.config.configurable?.checkpoint_id).toBe((await same(saver, "t1"))?.id);
    // The subgraph's checkpoints, in a namespace of their own, are read as MemorySaver does.
    const namespaces = new Set<string>();
    for await (const t of saver.list({ configurable: { thread_id: "t1" } })) {
      namespaces.add(t.config.configurable?.checkpoint_ns ?? "");
    }
    for (const ns of namespaces) expect(await same(saver, "t1", ns)).toBeDefined();
    // A checkpoint asked for by id is that one, not the latest.
    const history = graph.getStateHistory({ configurable: { thread_id: "t2" } });
    let oldest: RunnableConfig | undefined;
    for await (const snapshot of history) oldest = snapshot.config;
    const byId = await saver.getTuple(oldest as RunnableConfig);
    expect(byId?.checkpoint.id).toBe(oldest?.configurable?.checkpoint_id);
    expect(byId?.checkpoint.id).not.toBe((await same(saver, "t2"))?.id);
    // Deleted: nothing, then what is written anew.
    await saver.deleteThread("t1");
    expect(await same(saver, "t1")).toBeUndefined();
    expect(await same(saver, "t2")).toBeDefined();
    await graph.invoke({ text: "again" }, { configurable: { thread_id: "t1" } });
    expect((await same(saver, "t1"))?.id).toEqual(expect.any(String));
    expect(await latest(saver, "never")).toBeUndefined();
  });

  it("keeps a thread's newest id when older checkpoints are stored after it (a copied thread)", async () => {
    const source = new MemorySaver();
    const graph = graphOn(source);
    await graph.invoke({ text: "a" }, { configurable: { thread_id: "s" } });
    await graph.invoke({ text: "b" }, { configurable: { thread_id: "s" } });
    const tuples = [];
    for await (const tuple of source.list({
      configurable: { thread_id: "s", checkpoint_ns: "" },
    })) {
      tuples.push(tuple);
    }
    const saver = new ServerMemorySaver();
    // Newest first, as list gives them.
    for (const { checkpoint, metadata } of tuples) {
      await saver.put(
        { configurable: { thread_id: "c", checkpoint_ns: "" } },
        checkpoint,
        metadata as CheckpointMetadata,
      );
    }
    expect((await same(saver, "c"))?.id).toBe(tuples[0]?.checkpoint.id);
  });
});
