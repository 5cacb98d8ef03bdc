/**
 * A graph's checkpoint durability, over HTTP: a graph served with
 * `graph.withConfig({ durability: "exit" })` keeps its thread's state as any other, but
 * writes one checkpoint per run (its end) where the default writes one per step; its
 * interrupts still stop the run and its resumes still go on from them. On every store a
 * thread's checkpoints live in: memory, SQLite and PostgreSQL.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ACPClient } from "../../src/index.js";
import { type ACPAgentOptions, type ServerStore, sqliteStore } from "../../src/server/index.js";
import { echoAgent, interruptTwiceAgent } from "../helpers/graphs.js";
import { memoryAndPostgresStores } from "../helpers/postgres.js";
import { serverScope } from "../helpers/server.js";

const { dir, start } = serverScope("acp-durability-");
const stores: Array<[string, () => ServerStore]> = [
  ...memoryAndPostgresStores(),
  ["SQLite", () => sqliteStore(join(dir, "durability.sqlite"))],
];

/** An agent whose graph checkpoints only when a run exits (its end or an interrupt). */
function atExit(agent: ACPAgentOptions, agentId: string): ACPAgentOptions {
  return { ...agent, agentId, graph: agent.graph.withConfig({ durability: "exit" }) };
}

describe.each(stores)("checkpoint durability, on the %s store", (_name, makeStore) => {
  let client: ACPClient;

  beforeAll(async () => {
    ({ client } = await start({
      agents: [
        { ...echoAgent(), agentId: "echo-each-step" },
        atExit(echoAgent(), "echo-at-exit"),
        atExit(interruptTwiceAgent(), "ask-at-exit"),
      ],
      store: makeStore(),
    }));
  });

  /** Two echo runs of `agentId` on a new thread: the thread's values and its history. */
  async function twoRuns(agentId: string) {
    const { thread_id } = await client.createThread({});
    for (const text of ["one", "two"]) {
      const done = await client.createAndWaitForThreadRunOutput(thread_id, {
        agent_id: agentId,
        input: { text },
      });
      expect(done.run?.status).toBe("success");
    }
    const history = await client.getThreadHistory(thread_id, 100);
    return { values: (await client.getThread(thread_id)).values, history };
  }

  it("keeps the same thread state with one checkpoint per run instead of one per step", async () => {
    const eachStep = await twoRuns("echo-each-step");
    const atExitOnly = await twoRuns("echo-at-exit");
    expect(atExitOnly.values).toEqual(eachStep.values);
    expect(atExitOnly.values).toMatchObject({ reply: "echo: two", history: ["one", "two"] });
    // Each run of the default writes its input, its start and its node's step.
    expect(eachStep.history).toHaveLength(6);
    expect(atExitOnly.history).toHaveLength(2);
    expect(atExitOnly.history[0]?.values).toMatchObject({ history: ["one", "two"] });
    expect(atExitOnly.history[1]?.values).toMatchObject({ history: ["one"] });
  });

  it("stops at each interrupt and goes on from it when resumed", async () => {
    const { thread_id } = await client.createThread({});
    const first = await client.createAndWaitForThreadRunOutput(thread_id, {
      agent_id: "ask-at-exit",
      input: { topic: "cats" },
    });
    const runId = first.run?.run_id as string;
    expect(first.output).toMatchObject({
      type: "interrupt",
      interrupt: { question: "first about cats?" },
    });
    await client.resumeThreadRun(thread_id, runId, { answer: "a" });
    const second = await client.waitForThreadRunOutput(thread_id, runId);
    expect(second.output).toMatchObject({ type: "interrupt", interrupt: { question: "second?" } });
    await client.resumeThreadRun(thread_id, runId, { answer: "b" });
    const done = await client.waitForThreadRunOutput(thread_id, runId);
    expect(done.run?.status).toBe("success");
    expect(done.output).toMatchObject({ values: { answers: ["a", "b"] } });
    // A checkpoint where the run first stopped (the second interrupt, in the same step,
    // adds its writes to it) and one at its end.
    const history = await client.getThreadHistory(thread_id, 100);
    expect(history).toHaveLength(2);
    expect(history[0]?.values).toMatchObject({ topic: "cats", answers: ["a", "b"] });
  });
});
