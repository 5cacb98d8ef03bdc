/**
 * The LangGraph internals the nodes read (the parent's stream, the recorded resume
 * answers), held to what a real graph hands a node: a LangGraph upgrade that changes
 * them fails here.
 */
import {
  Annotation,
  Command,
  END,
  interrupt,
  type LangGraphRunnableConfig,
  MemorySaver,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import {
  isGraphChannel,
  parentShowsTokens,
  parentStreamOf,
  underStreamEvents,
} from "../../src/langgraph/parent-stream.js";
import { answersGiven, resumeMapOf } from "../../src/langgraph/task-answers.js";
import { inParallel } from "../helpers/parallel-interrupts.js";

const State = Annotation.Root({ seen: Annotation<string> });

describe("the parent graph's stream as a node sees it", () => {
  it("has the modes the graph is streamed with and takes chunks under a namespace", async () => {
    const seenModes: string[][] = [];
    const graph = new StateGraph(State)
      .addNode("node", (_s: typeof State.State, config: LangGraphRunnableConfig) => {
        const stream = parentStreamOf(config);
        seenModes.push([...(stream?.modes ?? [])].sort());
        stream?.push(["node:x"], "updates", { inner: { a: 1 } });
        return { seen: "yes" };
      })
      .addEdge(START, "node")
      .addEdge("node", END)
      .compile();
    const chunks = [];
    for await (const chunk of await graph.stream(
      { seen: "" },
      { streamMode: ["updates", "messages"], subgraphs: true },
    )) {
      chunks.push(chunk);
    }
    expect(seenModes[0]).toEqual(expect.arrayContaining(["messages", "updates"]));
    expect(chunks).toContainEqual([["node:x"], "updates", { inner: { a: 1 } }]);
    expect(await graph.invoke({ seen: "" })).toEqual({ seen: "yes" });
  });

  it("tells streamEvents apart", async () => {
    const under: boolean[] = [];
    const graph = new StateGraph(State)
      .addNode("node", (_s: typeof State.State, config: LangGraphRunnableConfig) => {
        under.push(underStreamEvents(config));
        return { seen: "yes" };
      })
      .addEdge(START, "node")
      .addEdge("node", END)
      .compile();
    await graph.invoke({ seen: "" });
    for await (const _ of graph.streamEvents({ seen: "" }, { version: "v2" })) {
      // drained
    }
    expect(under).toEqual([false, true]);
  });
});

describe("what a node can tell of its graph", () => {
  it("tells a stream that shows tokens apart, and the graph's channels", async () => {
    const seen: Array<[boolean, boolean | undefined, boolean | undefined]> = [];
    const graph = new StateGraph(State)
      .addNode("node", (_s: typeof State.State, config: LangGraphRunnableConfig) => {
        seen.push([
          parentShowsTokens(config),
          isGraphChannel(config, "seen"),
          isGraphChannel(config, "unseen"),
        ]);
        return { seen: "yes" };
      })
      .addEdge(START, "node")
      .addEdge("node", END)
      .compile();
    await graph.invoke({ seen: "" });
    for await (const _ of await graph.stream({ seen: "" }, { streamMode: "messages" })) {
      // drained
    }
    expect(seen).toEqual([
      [false, true, false],
      [true, true, false],
    ]);
  });
});

describe("the answers LangGraph recorded for a task", () => {
  it("counts the answers given before this execution, not the new one", async () => {
    const counts: number[] = [];
    const graph = new StateGraph(State)
      .addNode("node", (_s: typeof State.State, config: LangGraphRunnableConfig) => {
        counts.push(answersGiven(config));
        const a = interrupt("first") as string;
        const b = interrupt("second") as string;
        return { seen: `${a}${b}` };
      })
      .addEdge(START, "node")
      .addEdge("node", END)
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "answers" } };
    await graph.invoke({ seen: "" }, config);
    await graph.invoke(new Command({ resume: "a" }), config);
    const done = await graph.invoke(new Command({ resume: "b" }), config);
    expect(done.seen).toBe("ab");
    expect(counts).toEqual([0, 0, 1]);
  });

  it("hands a node the answers by interrupt id the graph was resumed with", async () => {
    const maps: Array<Record<string, unknown> | undefined> = [];
    const Two = Annotation.Root({
      seen: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const ask = (name: string) => (_s: unknown, config: LangGraphRunnableConfig) => {
      maps.push(resumeMapOf(config));
      return { seen: [`${name}:${interrupt(name) as string}`] };
    };
    const graph = inParallel(new StateGraph(Two).addNode({ a: ask("a"), b: ask("b") }), [
      "a",
      "b",
    ]).compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "resume-map" } };
    const paused = (await graph.invoke({ seen: [] }, config)) as unknown as {
      __interrupt__: Array<{ id: string; value: string }>;
    };
    const resume = Object.fromEntries(paused.__interrupt__.map((i) => [i.id, `${i.value}!`]));
    const done = await graph.invoke(new Command({ resume }), config);
    expect(done.seen.sort()).toEqual(["a:a!", "b:b!"]);
    expect(maps.slice(0, 2)).toEqual([undefined, undefined]);
    expect(maps.slice(2)).toEqual([resume, resume]);
  });
});
