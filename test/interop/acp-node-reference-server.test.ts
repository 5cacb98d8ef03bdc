/**
 * An ACPNode in a parent LangGraph.js graph calls agents served the way the Python
 * reference server serves them (the stand-in of `reference-server/server.ts`, real
 * HTTP): waiting for the output, streaming, and an interrupt answered through the
 * parent graph, whose payload that server wraps as `{ "<interrupt_type>": payload }`,
 * also when that server's stream labels an update `interrupt`.
 */
import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ACPClient } from "../../src/index.js";
import {
  ACPNode,
  type ACPNodeOptions,
  type ACPNodeStreamEvent,
} from "../../src/langgraph/index.js";
import {
  APPROVER_ID,
  approverAgent,
  COMPOSER_ID,
  composerAgent,
  type Pause,
  REVIEWER_ID,
  reviewerAgent,
} from "./reference-server/agents.js";
import { type StandInServer, startReferenceServer } from "./reference-server/server.js";

let standIn: StandInServer;
let client: ACPClient;
/** What the composer waits for between its two steps. */
let composerPause: Pause = () => Promise.resolve();

beforeAll(async () => {
  standIn = await startReferenceServer({
    agents: [composerAgent(() => composerPause()), approverAgent(), reviewerAgent()],
  });
  client = new ACPClient({ configuration: { host: standIn.url } });
});

afterAll(async () => {
  await client.close();
  await standIn.close();
});

const State = Annotation.Root({
  job: Annotation<{ input?: unknown; output?: unknown }>,
});

function parentGraph(options: Pick<ACPNodeOptions, "agentId"> & Partial<ACPNodeOptions>) {
  const node = new ACPNode({
    customStream: "event",
    name: "remote",
    client,
    inputPath: "job.input",
    outputPath: "job.output",
    ...options,
  });
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile({ checkpointer: new MemorySaver() });
}

/** The composer wants `config` (its config schema is not empty), taken from the parent's. */
const composer = { agentId: COMPOSER_ID, configPath: "composer" };
const composerConfig = (thread: string) => ({
  configurable: { thread_id: thread, composer: { style: "plain" } },
});

function interruptsOf(out: unknown): unknown[] {
  const list = (out as { __interrupt__?: Array<{ value: unknown }> }).__interrupt__ ?? [];
  return list.map((i) => i.value);
}

describe("ACPNode against the reference server", () => {
  it("waits for the output of a run", async () => {
    const graph = parentGraph({ ...composer, streamMode: [] });
    const out = await graph.invoke({ job: { input: { topic: "wind" } } }, composerConfig("w"));
    // The reference's output is the last step's update.
    expect(out.job.output).toEqual({ answer: "draft on wind, polished" });
    expect(standIn.requests).toContain("POST /runs/wait");
  });

  it("streams a run, leaving stream_mode to the server, and forwards its events", async () => {
    const graph = parentGraph(composer);
    const forwarded: ACPNodeStreamEvent[] = [];
    let last: unknown;
    for await (const [mode, chunk] of await graph.stream(
      { job: { input: { topic: "sun" } } },
      { ...composerConfig("s"), streamMode: ["custom", "values"] },
    )) {
      if (mode === "custom") forwarded.push(chunk as ACPNodeStreamEvent);
      else last = chunk;
    }
    expect(forwarded.map((f) => [f.node, f.event.id, f.event.data.type])).toEqual([
      ["remote", "1", "values"],
      ["remote", "2", "values"],
    ]);
    expect((last as typeof State.State).job.output).toEqual({ answer: "draft on sun, polished" });
    expect(standIn.requests).toContain("POST /runs/stream");
  });

  it('streams on through a dropped connection with rejoinIds "per-connection"', async () => {
    const before = standIn.streams.length;
    // The second step waits for the re-joined connection: nothing happens while away.
    composerPause = async () => {
      await vi.waitUntil(() => standIn.streams.length >= before + 2, {
        timeout: 10_000,
        interval: 5,
      });
    };
    standIn.faults.dropNextStreamAfter = 1;
    const graph = parentGraph({ ...composer, rejoinIds: "per-connection" });
    const forwarded: ACPNodeStreamEvent[] = [];
    let last: unknown;
    for await (const [mode, chunk] of await graph.stream(
      { job: { input: { topic: "dew" } } },
      { ...composerConfig("d"), streamMode: ["custom", "values"] },
    )) {
      if (mode === "custom") forwarded.push(chunk as ACPNodeStreamEvent);
      else last = chunk;
    }
    composerPause = () => Promise.resolve();
    expect(standIn.streams.slice(before).map((s) => `${s.method} ${s.lastEventId}`)).toEqual([
      "POST undefined",
      "GET 1",
    ]);
    expect(forwarded.map((f) => f.event.id)).toEqual(["1", "1"]);
    expect((last as typeof State.State).job.output).toEqual({ answer: "draft on dew, polished" });
  });

  describe.each([
    ["waited for", [] as []],
    ["streamed", undefined],
  ])("an interrupt (run %s)", (how, streamMode) => {
    it("pauses the parent with the unwrapped payload and resumes the same remote run", async () => {
      const graph = parentGraph({ agentId: APPROVER_ID, ...(streamMode ? { streamMode } : {}) });
      const config = { configurable: { thread_id: `approve-${how}` } };
      const runsBefore = (await client.searchStatelessRuns({ agent_id: APPROVER_ID, limit: 1000 }))
        .length;

      const paused = await graph.invoke({ job: { input: { request: "a bike" } } }, config);
      expect(interruptsOf(paused)).toEqual([{ question: "approve a bike?" }]);

      const done = await graph.invoke(new Command({ resume: { approved: true } }), config);
      expect(interruptsOf(done)).toEqual([]);
      expect(done.job.output).toEqual({ decision: "a bike: approved" });
      const runs = await client.searchStatelessRuns({ agent_id: APPROVER_ID, limit: 1000 });
      expect(runs.length).toBe(runsBefore + 1);
      expect(runs.at(-1)?.status).toBe("success");
    });
  });

  describe("an update the server's stream labels interrupt", () => {
    it("is not the question: the parent pauses with the run's real interrupt payload", async () => {
      standIn.faults.readUpdatesAfterStop = true;
      try {
        const graph = parentGraph({ agentId: REVIEWER_ID });
        const config = { configurable: { thread_id: "review-raced" } };
        const forwarded: ACPNodeStreamEvent[] = [];
        for await (const [mode, chunk] of await graph.stream(
          { job: { input: { request: "a boat" } } },
          { ...config, streamMode: ["custom", "values"] },
        )) {
          if (mode === "custom") forwarded.push(chunk as ACPNodeStreamEvent);
        }
        // The race happened: the update of `check` came labelled as the interrupt.
        expect(forwarded.map((f) => f.event.data)).toEqual([
          expect.objectContaining({
            type: "interrupt",
            interrupt: { question: "checking a boat" },
          }),
        ]);
        const state = await graph.getState(config);
        expect(state.tasks.flatMap((t) => t.interrupts.map((i) => i.value))).toEqual([
          { question: "approve a boat?" },
        ]);

        const done = await graph.invoke(new Command({ resume: { approved: true } }), config);
        expect(interruptsOf(done)).toEqual([]);
        expect(done.job.output).toEqual({ decision: "a boat: approved" });
      } finally {
        standIn.faults.readUpdatesAfterStop = false;
      }
    });
  });
});
