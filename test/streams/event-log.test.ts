/**
 * An executing run's event log over real HTTP: memory holds at most maxEventLogBytes,
 * and a stream that joins from the start gets the older events from the store.
 */
import {
  Annotation,
  END,
  type LangGraphRunnableConfig,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { describe, expect, it, vi } from "vitest";
import { memoryStore } from "../../src/server/index.js";
import { raw, serverScope } from "../helpers/server.js";

const { start } = serverScope("acp-event-log-");

describe("an executing run's event log", () => {
  it("keeps at most maxEventLogBytes in memory and replays the older events from the store", async () => {
    let started!: () => void;
    const emitted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const State = Annotation.Root({ count: Annotation<number> });
    const graph = new StateGraph(State)
      .addNode("emit", async (state: typeof State.State, config: LangGraphRunnableConfig) => {
        for (let step = 1; step <= 50; step += 1) config.writer?.({ step });
        started();
        await gate;
        return { count: state.count };
      })
      .addEdge(START, "emit")
      .addEdge("emit", END)
      .compile();
    const store = memoryStore();
    const { server } = await start({
      store,
      maxEventLogBytes: 1,
      agents: [
        {
          graph,
          agentId: "emitter",
          descriptor: {
            metadata: { ref: { name: "test.emitter", version: "1.0.0" }, description: "emits" },
            specs: {
              capabilities: {
                threads: false,
                interrupts: false,
                callbacks: false,
                streaming: { custom: true },
              },
              input: { type: "object" },
              output: { type: "object" },
              config: { type: "object" },
              custom_streaming_update: { type: "object" },
            },
          },
        },
      ],
    });
    const run = await raw(server.url, "POST", "/runs", {
      agent_id: "emitter",
      input: { count: 1 },
      stream_mode: ["custom"],
    });
    const runId = (run.body as { run_id: string }).run_id;
    await emitted;
    // Stored in the turns after they were appended; then only the store has them.
    await vi.waitUntil(async () => (await store.runs.readEvents(runId, 0, 100)).length >= 50, {
      timeout: 5_000,
      interval: 10,
    });
    const joined = fetch(`${server.url}/runs/${runId}/stream`, {
      headers: { "last-event-id": "0" },
    }).then((answer) => answer.text());
    release();
    const text = await joined;
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    const steps = [...text.matchAll(/"step":\s*(\d+)/g)].map((m) => Number(m[1]));
    expect(steps).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
