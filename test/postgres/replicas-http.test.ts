/**
 * Two replicas on one PostgreSQL database, over real HTTP (in one process, so that the
 * tests can hold runs open): what is asked of one replica acts on runs created on, or
 * executing in, the other.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ACPClient, ApiClientConfiguration, ConflictException } from "../../src/index.js";
import { postgresStore } from "../../src/server/index.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { agentIds, memoryLogger, startACPServer, type TestACPServer } from "../helpers/server.js";

describe.skipIf(!postgresAvailable)("two replicas on one PostgreSQL, over HTTP", () => {
  let db: TestDatabase;
  const servers: TestACPServer[] = [];
  const clients: ACPClient[] = [];
  /** A and B: two replicas of one service. */
  let a: ACPClient;
  let b: ACPClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const logger = memoryLogger();
      const server = await startACPServer({ store: postgresStore(db.url, { logger }), logger });
      servers.push(server);
      clients.push(
        new ACPClient({ configuration: new ApiClientConfiguration({ host: server.url }) }),
      );
    }
    [a, b] = clients as [ACPClient, ACPClient];
  });
  afterAll(async () => {
    for (const server of servers) server.gate.release();
    for (const client of clients) await client.close();
    for (const server of servers) await server.close();
    await db.drop();
  });

  /** Resolves once `n` slow runs started, in whichever replica. */
  const slowStarted = (n: number) =>
    vi.waitUntil(() => servers.reduce((sum, s) => sum + s.gate.started, 0) >= n, {
      timeout: 10_000,
      interval: 20,
    });
  let slowRuns = 0;

  it("cancels through one replica a run executing in the other, and both see it end", async () => {
    const run = await a.createStatelessRun({ agent_id: agentIds.slow, input: { text: "x" } });
    await slowStarted(++slowRuns);
    await b.cancelStatelessRun(run.run_id, true, "interrupt");
    const seen = await Promise.all([a, b].map((c) => c.getStatelessRun(run.run_id)));
    expect(seen.map((r) => r.status)).toEqual(["error", "error"]);
    const waited = await a.waitForStatelessRunOutput(run.run_id);
    expect(waited.output).toMatchObject({ type: "error", errcode: 499 });
  });

  it("resumes through one replica a run interrupted in the other", async () => {
    const first = await a.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "cats" },
    });
    const runId = first.run?.run_id as string;
    expect(first.output).toMatchObject({ interrupt: { question: "first about cats?" } });
    await b.resumeStatelessRun(runId, { answer: "one" });
    const second = await a.waitForStatelessRunOutput(runId);
    expect(second.output).toMatchObject({ interrupt: { question: "second?" } });
    await a.resumeStatelessRun(runId, { answer: "two" });
    const done = await b.waitForStatelessRunOutput(runId);
    expect(done.run?.status).toBe("success");
    expect(done.output).toMatchObject({ values: { answers: ["one", "two"] } });
  });

  it("holds multitask_strategy across replicas: reject, interrupt, rollback", async () => {
    const thread = await a.createThread({});
    const threadId = thread.thread_id;
    const busy = await a.createThreadRun(threadId, {
      agent_id: agentIds.slow,
      input: { text: "first" },
    });
    await slowStarted(++slowRuns);

    const reject = b.createThreadRun(threadId, {
      agent_id: agentIds.echo,
      input: { text: "no" },
      multitask_strategy: "reject",
    });
    await expect(reject).rejects.toBeInstanceOf(ConflictException);

    const interrupting = await b.createThreadRun(threadId, {
      agent_id: agentIds.slow,
      input: { text: "second" },
      multitask_strategy: "interrupt",
    });
    expect((await a.getThreadRun(threadId, busy.run_id)).status).toBe("error");
    await slowStarted(++slowRuns);

    const rollingBack = await a.createThreadRun(threadId, {
      agent_id: agentIds.echo,
      input: { text: "third" },
      multitask_strategy: "rollback",
    });
    await expect(b.getThreadRun(threadId, interrupting.run_id)).rejects.toMatchObject({
      status: 404,
    });
    const third = await b.waitForThreadRunOutput(threadId, rollingBack.run_id);
    expect(third.run?.status).toBe("success");
    expect(third.output).toMatchObject({ values: { reply: "echo: third" } });
  });

  it("a run waited for on another replica than its own has freed its thread", async () => {
    const thread = await a.createThread({});
    for (let i = 0; i < 20; i++) {
      // Created on A, which executes it; waited for on B, which follows it.
      const run = await a.createThreadRun(thread.thread_id, {
        agent_id: agentIds.echo,
        input: { text: `turn ${i}` },
      });
      const done = await b.waitForThreadRunOutput(thread.thread_id, run.run_id);
      expect(done.run?.status).toBe("success");
      // The default strategy, reject, refuses a run on a busy thread: it must be free.
      expect((await b.getThread(thread.thread_id)).status).toBe("idle");
    }
  });

  it("runs a thread's enqueued runs one after another, whichever replica created them", async () => {
    const thread = await b.createThread({});
    const threadId = thread.thread_id;
    const first = await b.createThreadRun(threadId, {
      agent_id: agentIds.slow,
      input: { text: "one" },
    });
    await slowStarted(++slowRuns);
    // Created one after another (from both replicas), so each queues behind the last.
    const queued: Array<{ run_id: string }> = [];
    for (const [i, text] of ["two", "three", "four"].entries()) {
      queued.push(
        await (i % 2 === 0 ? a : b).createThreadRun(threadId, {
          agent_id: agentIds.echo,
          input: { text },
          multitask_strategy: "enqueue",
        }),
      );
    }
    expect((await a.getThreadRun(threadId, (queued[0] as { run_id: string }).run_id)).status).toBe(
      "pending",
    );
    for (const server of servers) server.gate.release();
    const outcomes = await Promise.all(
      [first, ...queued].map((r) => a.waitForThreadRunOutput(threadId, r.run_id)),
    );
    expect(outcomes.map((o) => o.run?.status)).toEqual([
      "success",
      "success",
      "success",
      "success",
    ]);
    const runs = await b.listThreadRuns(threadId);
    const finished = runs.map((r) => Date.parse(r.updated_at));
    // One after another: each ended no earlier than the one created before it.
    expect(finished).toEqual([...finished].sort((x, y) => x - y));
  });
});
