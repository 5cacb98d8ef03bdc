import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { ACPNode } from "../../src/langgraph/acp-node.js";
import type { ACPNodeStreamEvent } from "../../src/langgraph/remote-stream.js";
import { useACPNodeAgents } from "../helpers/acp-node-agents.js";

const acp = useACPNodeAgents();

const State = Annotation.Root({
  job: Annotation<{ input?: unknown; output?: unknown }>,
});

function graphOf(agentId: string, checkpointer?: MemorySaver, streamMode?: []) {
  const node = new ACPNode({
    customStream: "event",
    name: "remote",
    agentId,
    client: acp.client,
    inputPath: "job.input",
    outputPath: "job.output",
    ...(streamMode ? { streamMode } : {}),
  });
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile(checkpointer ? { checkpointer } : {});
}

type Chunk = [string, unknown];

async function collect(stream: AsyncIterable<unknown>): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of stream) chunks.push(chunk as Chunk);
  return chunks;
}

function remoteEvents(chunks: Chunk[]): ACPNodeStreamEvent[] {
  return chunks.filter(([mode]) => mode === "custom").map(([, data]) => data as ACPNodeStreamEvent);
}

function customUpdates(events: ACPNodeStreamEvent[]): unknown[] {
  return events.flatMap((e) => (e.event.data.type === "custom" ? [e.event.data.update] : []));
}

describe("ACPNode streaming", () => {
  it("forwards the remote custom events to the parent's stream, in order, before its update", async () => {
    const graph = graphOf(acp.agents.ids.steps);
    const chunks = await collect(
      await graph.stream({ job: { input: { count: 4 } } }, { streamMode: ["custom", "updates"] }),
    );
    const events = remoteEvents(chunks);
    expect(events.every((e) => e.node === "remote")).toBe(true);
    expect(customUpdates(events)).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }, { step: 4 }]);

    const updateAt = chunks.findIndex(([mode]) => mode === "updates");
    const lastCustomAt = chunks.map(([mode]) => mode).lastIndexOf("custom");
    expect(lastCustomAt).toBeLessThan(updateAt);
    expect(chunks[updateAt]?.[1]).toEqual({
      remote: { job: { input: { count: 4 }, output: { count: 4 } } },
    });
  });

  it("streams each leg of an interrupted remote run once, and resumes it", async () => {
    const graph = graphOf(acp.agents.ids.ask, new MemorySaver());
    const config = {
      configurable: { thread_id: "streamed-interrupts" },
      streamMode: ["custom", "updates"] as const,
    };

    const leg1 = remoteEvents(
      await collect(
        await graph.stream(
          { job: { input: { topic: "fruit" } } },
          { ...config, streamMode: ["custom", "updates"] },
        ),
      ),
    );
    const leg2 = remoteEvents(
      await collect(
        await graph.stream(new Command({ resume: { answer: "pear" } }), {
          ...config,
          streamMode: ["custom", "updates"],
        }),
      ),
    );
    const leg3chunks = await collect(
      await graph.stream(new Command({ resume: { answer: "yes" } }), {
        ...config,
        streamMode: ["custom", "updates"],
      }),
    );
    const leg3 = remoteEvents(leg3chunks);

    expect(customUpdates(leg1)).toEqual([{ phase: "asking" }]);
    expect(leg1.at(-1)?.event.data).toMatchObject({
      type: "interrupt",
      interrupt: { question: "Which fruit?" },
    });
    // The remote node runs again from its start on each resume, as LangGraph nodes do.
    expect(customUpdates(leg2)).toEqual([
      { phase: "asking" },
      { phase: "got first", answer: "pear" },
    ]);
    expect(leg2.at(-1)?.event.data).toMatchObject({
      type: "interrupt",
      interrupt: { question: "Are you sure?" },
    });
    expect(customUpdates(leg3)).toEqual([
      { phase: "asking" },
      { phase: "got first", answer: "pear" },
      { phase: "got second", answer: "yes" },
    ]);
    expect(leg3.at(-1)?.event.data).toMatchObject({ type: "values", status: "success" });

    const ids = [...leg1, ...leg2, ...leg3].map((e) => Number(e.event.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const runIds = new Set([...leg1, ...leg2, ...leg3].map((e) => e.event.data.run_id));
    expect(runIds.size).toBe(1);

    const final = leg3chunks.find(([mode]) => mode === "updates")?.[1];
    expect(final).toEqual({
      remote: {
        job: { input: { topic: "fruit" }, output: { topic: "fruit", answers: ["pear", "yes"] } },
      },
    });
  });

  it("cancels the remote run when the parent's signal aborts", async () => {
    const graph = graphOf(acp.agents.ids.slow);
    const controller = new AbortController();
    const stream = await graph.stream(
      { job: { input: { topic: "never ends" } } },
      { streamMode: ["custom"], signal: controller.signal },
    );
    let runId: string | undefined;
    const consumed = (async () => {
      for await (const chunk of stream) {
        runId ??= ((chunk as Chunk)[1] as ACPNodeStreamEvent).event.data.run_id;
        controller.abort();
      }
    })();
    await expect(consumed).rejects.toThrow();
    expect(runId).toEqual(expect.any(String));

    await expect
      .poll(async () => (await acp.client.getStatelessRun(runId as string)).status)
      .not.toBe("pending");
    const run = await acp.client.getStatelessRun(runId as string);
    expect(run.status).not.toBe("success");
    const output = await acp.client.waitForStatelessRunOutput(runId as string);
    expect(output.output).toMatchObject({ type: "error" });
    expect(acp.agents.slow.aborted).toBe(1);
  });

  it("cancels a remote run it waits for (not streams) when the parent's signal aborts", async () => {
    const graph = graphOf(acp.agents.ids.slow, undefined, []);
    const controller = new AbortController();
    const startedBefore = acp.agents.slow.started;
    const abortedBefore = acp.agents.slow.aborted;
    const runsBefore = await acp.client.searchStatelessRuns({
      agent_id: acp.agents.ids.slow,
      limit: 1000,
    });
    const invoked = graph.invoke(
      { job: { input: { topic: "never ends" } } },
      { signal: controller.signal },
    );
    await expect.poll(() => acp.agents.slow.started).toBe(startedBefore + 1);
    controller.abort();
    await expect(invoked).rejects.toThrow();

    await expect.poll(() => acp.agents.slow.aborted).toBe(abortedBefore + 1);
    const runs = await acp.client.searchStatelessRuns({
      agent_id: acp.agents.ids.slow,
      limit: 1000,
    });
    const known = new Set(runsBefore.map((r) => r.run_id));
    const ours = runs.filter((r) => !known.has(r.run_id));
    expect(ours).toHaveLength(1);
    await expect
      .poll(async () => (await acp.client.getStatelessRun(ours[0]?.run_id as string)).status)
      .not.toBe("pending");
    expect(
      (await acp.client.waitForStatelessRunOutput(ours[0]?.run_id as string)).output,
    ).toMatchObject({
      type: "error",
      errcode: 499,
    });
  });
});
