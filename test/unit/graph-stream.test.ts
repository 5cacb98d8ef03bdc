import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { RunnableLambda } from "@langchain/core/runnables";
import {
  Annotation,
  END,
  GraphRecursionError,
  type LangGraphRunnableConfig,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import type { ServableGraph } from "../../src/server/options.js";
import {
  type LegStreamOptions,
  type StreamChunk,
  streamGraph,
} from "../../src/server/runs/graph-stream.js";

const State = Annotation.Root({
  text: Annotation<string>,
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** A graph with a subgraph, custom events from both, and two steps of its own. */
function nestedGraph() {
  const inner = new StateGraph(State)
    .addNode("deep", (_s: typeof State.State, config: LangGraphRunnableConfig) => {
      config.writer?.({ from: "deep" });
      return { steps: ["deep"] };
    })
    .addEdge(START, "deep")
    .addEdge("deep", END)
    .compile();
  return new StateGraph(State)
    .addNode("first", (s: typeof State.State, config: LangGraphRunnableConfig) => {
      config.writer?.({ from: "first", text: s.text });
      return { steps: ["first"] };
    })
    .addNode("inner", inner)
    .addEdge(START, "first")
    .addEdge("first", "inner")
    .addEdge("inner", END)
    .compile();
}

function optionsOf(extra: Partial<LegStreamOptions> = {}): LegStreamOptions {
  return {
    configurable: { thread_id: "t-1" },
    streamMode: ["values", "updates", "custom"],
    signal: new AbortController().signal,
    subgraphs: true,
    ...extra,
  };
}

/** The chunks, with the task ids of subgraph namespaces taken out (they differ by run). */
async function chunksOf(stream: AsyncIterable<StreamChunk>): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of stream) {
    chunks.push(
      chunk.length === 3 ? [chunk[0].map((part) => part.split(":")[0]), chunk[1], chunk[2]] : chunk,
    );
  }
  return chunks;
}

const isWebStream = (value: unknown) => value instanceof ReadableStream;

describe("streaming a leg's graph", () => {
  it("reads a compiled graph off its generator, with the chunks graph.stream gives", async () => {
    const graph = nestedGraph();
    const direct = await streamGraph(graph as ServableGraph, { text: "hi" }, optionsOf());
    expect(isWebStream(direct)).toBe(false);
    const expected = await chunksOf(
      (await graph.stream({ text: "hi" }, optionsOf())) as AsyncIterable<StreamChunk>,
    );
    expect(await chunksOf(direct)).toEqual(expected);
    // The subgraph's custom event and update are among them: the options went through.
    expect(expected).toContainEqual([["inner"], "custom", { from: "deep" }]);
    expect(expected).toContainEqual([[], "updates", { first: { steps: ["first"] } }]);
  });

  it("streams as usual a graph whose stream is wrapped, or run inside a LangChain context", async () => {
    const graph = nestedGraph() as ServableGraph;
    const expected = await chunksOf(await streamGraph(graph, { text: "hi" }, optionsOf()));
    // A graph whose stream is its own: an object over the compiled graph that overrides it.
    const own = Object.create(graph) as ServableGraph;
    own.stream = (input, options) => graph.stream(input, options);
    const wrapped = await streamGraph(own, { text: "hi" }, optionsOf());
    expect(isWebStream(wrapped)).toBe(true);
    expect(await chunksOf(wrapped)).toEqual(expected);

    const inContext = await RunnableLambda.from(async () => {
      const stream = await streamGraph(graph, { text: "hi" }, optionsOf());
      return { web: isWebStream(stream), chunks: await chunksOf(stream) };
    }).invoke({});
    expect(inContext).toEqual({ web: true, chunks: expected });
  });

  it("reports the graph's run to the callbacks in the options off the generator too", async () => {
    const seen = async (direct: boolean) => {
      const events: string[] = [];
      const handler = BaseCallbackHandler.fromMethods({
        handleChainStart: (_chain, _inputs, _runId, parentRunId, _tags, _metadata, _type, name) => {
          events.push(`start ${name}${parentRunId ? "" : " (root)"}`);
        },
        handleChainEnd: (_outputs, _runId, parentRunId) => {
          if (!parentRunId) events.push("end (root)");
        },
      });
      const graph = nestedGraph() as ServableGraph;
      const options = optionsOf({ callbacks: [handler] });
      const stream = direct
        ? await streamGraph(graph, { text: "hi" }, options)
        : ((await graph.stream({ text: "hi" }, options)) as AsyncIterable<StreamChunk>);
      expect(isWebStream(stream)).toBe(!direct);
      await chunksOf(stream);
      return events;
    };
    const direct = await seen(true);
    // The graph's run is the root, its nodes' runs (the subgraph's own node too) under it.
    expect(direct[0]).toBe("start LangGraph (root)");
    expect(direct).toContain("start first");
    expect(direct).toContain("start deep");
    expect(direct.at(-1)).toBe("end (root)");
    expect(direct).toEqual(await seen(false));
  });

  it("keeps the graph's own recursion limit unless the run sets one", async () => {
    const Loop = Annotation.Root({ n: Annotation<number> });
    const looping = new StateGraph(Loop)
      .addNode("again", (s: typeof Loop.State) => ({ n: s.n + 1 }))
      .addEdge(START, "again")
      .addConditionalEdges("again", (s: typeof Loop.State) => (s.n < 100 ? "again" : END))
      .compile()
      .withConfig({ recursionLimit: 3 }) as ServableGraph;
    const options = optionsOf({ streamMode: ["values"], subgraphs: false });
    const steps = async (given: LegStreamOptions) => {
      let seen = 0;
      try {
        for await (const _ of await streamGraph(looping, { n: 0 }, given)) seen += 1;
      } catch (err) {
        return { seen, error: err instanceof GraphRecursionError };
      }
      return { seen, error: false };
    };
    expect(await steps(options)).toEqual({ seen: 4, error: true });
    expect(await steps({ ...options, recursionLimit: 200 })).toEqual({ seen: 101, error: false });
  });

  it("stops a graph stuck in a node as soon as the run's signal aborts", async () => {
    const Stuck = Annotation.Root({ text: Annotation<string> });
    const stuck = new StateGraph(Stuck)
      .addNode("wait", () => new Promise<{ text: string }>(() => undefined))
      .addEdge(START, "wait")
      .addEdge("wait", END)
      .compile() as ServableGraph;
    const controller = new AbortController();
    const stream = await streamGraph(
      stuck,
      { text: "hi" },
      optionsOf({ streamMode: ["values"], subgraphs: false, signal: controller.signal }),
    );
    setTimeout(() => controller.abort(new Error("cancelled")), 50);
    const started = Date.now();
    const read = (async () => {
      for await (const _ of stream) {
        // The input's values come first; then the node never answers.
      }
    })();
    await expect(read).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
