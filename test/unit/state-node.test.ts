/**
 * StateNode as LangGraph runs it: LangChain's own `invoke` hands the body the task's
 * config, so `interrupt()`, the writer and `getConfig()` reach the node's task, and
 * the node is a run of its own under the graph's callbacks.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import {
  Annotation,
  Command,
  END,
  getConfig,
  interrupt,
  type LangGraphRunnableConfig,
  MemorySaver,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { NodeStateError, StateNode } from "../../src/langgraph/index.js";
import type { StateRecord } from "../../src/langgraph/state-paths.js";

const State = Annotation.Root({
  job: Annotation<{ input?: unknown; output?: unknown }>(),
});

/** Asks for approval, writes a custom update, and answers with what it saw. */
class Approver extends StateNode<{ text: string }, { text: string; approved: unknown }> {
  constructor() {
    super({
      name: "approver",
      inputPath: "job.input",
      outputPath: "job.output",
      inputType: z.object({ text: z.string() }),
      outputType: z.object({ text: z.string(), approved: z.unknown() }),
    });
  }

  protected async execute(
    input: { text: string },
    _state: StateRecord,
    config: LangGraphRunnableConfig,
  ): Promise<unknown> {
    config.writer?.({ seen: input.text, sameTask: getConfig()?.configurable?.thread_id });
    // A runnable called with the node's config is a child of the node's run.
    const upper = await RunnableLambda.from((text: string) => text.toUpperCase())
      .withConfig({ runName: "upper" })
      .invoke(input.text, config);
    const approved = interrupt({ question: `approve ${upper}?` });
    return { text: upper, approved };
  }
}

function graphOf(node: Approver) {
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile({ checkpointer: new MemorySaver() });
}

describe("StateNode", () => {
  it("interrupts the graph and resumes with the answer, writing custom updates on the way", async () => {
    const graph = graphOf(new Approver());
    const config = { configurable: { thread_id: "t1" } };
    const custom: unknown[] = [];
    for await (const [mode, chunk] of await graph.stream(
      { job: { input: { text: "mail" } } },
      { ...config, streamMode: ["custom", "updates"] },
    )) {
      if (mode === "custom") custom.push(chunk);
    }
    expect(custom).toEqual([{ seen: "mail", sameTask: "t1" }]);
    const paused = await graph.getState(config);
    expect(paused.tasks[0]?.interrupts[0]?.value).toEqual({ question: "approve MAIL?" });
    const done = await graph.invoke(new Command({ resume: { ok: true } }), config);
    expect(done.job.output).toEqual({ text: "MAIL", approved: { ok: true } });
  });

  it("is a run of its own under the graph's callbacks, parent of what it calls", async () => {
    const runs: { name: string | undefined; runId: string; parentRunId: string | undefined }[] = [];
    const recorder = {
      handleChainStart(
        _chain: unknown,
        _inputs: unknown,
        runId: string,
        parentRunId?: string,
        _tags?: string[],
        _metadata?: unknown,
        _runType?: string,
        runName?: string,
      ) {
        runs.push({ name: runName, runId, parentRunId });
      },
    };
    await graphOf(new Approver()).invoke(
      { job: { input: { text: "mail" } } },
      { configurable: { thread_id: "t2" }, callbacks: [recorder] },
    );
    const node = runs.filter((run) => run.name === "approver").at(-1);
    const child = runs.find((run) => run.name === "upper");
    expect(node).toBeDefined();
    expect(child?.parentRunId).toBe(node?.runId);
  });

  it("runs outside a graph, and refuses a missing input before any work", async () => {
    const node = new Approver();
    await expect(node.invoke({ job: {} })).rejects.toThrow(NodeStateError);
    await expect(node.invoke({ job: {} })).rejects.toThrow(/job\.input.*is missing/);
  });
});
