/**
 * A replica that shuts down (SIGTERM, a rolling deploy) hands the runs it executes over
 * to the other replicas instead of ending them: another replica goes on with each run
 * and ends it, and a client waiting on the replica that leaves is told to ask again.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ACPClient, ApiClientConfiguration } from "../../src/index.js";
import { postgresStore } from "../../src/server/index.js";
import {
  createTestDatabase,
  postgresAvailable,
  startPostgresReplica,
  type TestDatabase,
} from "../helpers/postgres.js";
import { recordRequestArrivals } from "../helpers/request-arrivals.js";
import { agentIds, memoryLogger, startACPServer, type TestACPServer } from "../helpers/server.js";

/** How long a poll may wait for what another replica does. */
const patiently = { timeout: 15_000, interval: 25 };

describe.skipIf(!postgresAvailable)("a replica that shuts down hands its runs over", () => {
  let db: TestDatabase;
  let leaving: TestACPServer;
  let staying: TestACPServer;
  let clients: ACPClient[];

  beforeEach(async () => {
    db = await createTestDatabase();
    leaving = await startPostgresReplica(db.url);
    staying = await startPostgresReplica(db.url);
    clients = [leaving, staying].map(
      (s) => new ACPClient({ configuration: new ApiClientConfiguration({ host: s.url }) }),
    );
  });
  afterEach(async () => {
    for (const server of [leaving, staying]) server.gate.release();
    for (const client of clients) await client.close();
    await Promise.all([leaving.close(), staying.close()]);
    await db.drop();
  });

  it("a stateless run goes on in another replica, and its waiter there gets its output", async () => {
    const [onLeaving, onStaying] = clients as [ACPClient, ACPClient];
    const run = await onLeaving.createStatelessRun({
      agent_id: agentIds.slow,
      input: { text: "handed" },
    });
    // Created on the leaving replica, which had a worker free: it executes there.
    await leaving.gate.waitForStarted(1);
    expect(staying.gate.started).toBe(0);

    const waitPath = `/runs/${run.run_id}/wait`;
    const arrivals = recordRequestArrivals();
    const waitHere = fetch(`${leaving.url}${waitPath}`);
    const waitThere = onStaying.waitForStatelessRunOutput(run.run_id);
    // Both waits are in their servers' hands before the leaving one shuts down.
    try {
      await vi.waitUntil(
        () =>
          arrivals.count(leaving.port, "GET", waitPath) >= 1 &&
          arrivals.count(staying.port, "GET", waitPath) >= 1,
        patiently,
      );
    } finally {
      arrivals.stop();
    }
    await leaving.close();

    const answer = await waitHere;
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatch(/goes on in another replica: wait for it again/);
    expect(leaving.gate.aborted).toBe(1);

    // The staying replica takes it over and executes it (its own gate holds it).
    await staying.gate.waitForStarted(1);
    expect((await onStaying.getStatelessRun(run.run_id)).status).toBe("pending");
    staying.gate.release();
    const done = await waitThere;
    expect(done.run?.status).toBe("success");
    expect(done.output).toMatchObject({ type: "result", values: { reply: "done: handed" } });
  });

  it("a replica that leaves does not cancel the runs created there that execute elsewhere", async () => {
    // This replica executes nothing: the runs created there execute in the other two.
    const logger = memoryLogger();
    const observer = await startACPServer({
      store: postgresStore(db.url, { logger, concurrency: 0 }),
      logger,
    });
    // Created and waited for there; `on_disconnect` is `cancel`, the default.
    const waiting = fetch(`${observer.url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: agentIds.slow, input: { text: "elsewhere" } }),
    });
    await vi.waitUntil(() => leaving.gate.started + staying.gate.started === 1, patiently);
    await observer.close();

    const answer = await waiting;
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatch(/goes on in another replica: wait for it again/);
    const onStaying = clients[1] as ACPClient;
    const runs = await onStaying.searchStatelessRuns({ agent_id: agentIds.slow });
    expect(runs.map((r) => r.status)).toEqual(["pending"]);
    leaving.gate.release();
    staying.gate.release();
    const done = await onStaying.waitForStatelessRunOutput((runs[0] as { run_id: string }).run_id);
    expect(done.output).toMatchObject({ values: { reply: "done: elsewhere" } });
    expect(leaving.gate.aborted + staying.gate.aborted).toBe(0);
  });

  it("a thread run goes on in another replica and keeps its thread until it ends", async () => {
    const [onLeaving, onStaying] = clients as [ACPClient, ACPClient];
    const thread = await onLeaving.createThread({});
    const run = await onLeaving.createThreadRun(thread.thread_id, {
      agent_id: agentIds.slow,
      input: { text: "kept" },
    });
    await leaving.gate.waitForStarted(1);
    await leaving.close();

    await staying.gate.waitForStarted(1);
    // Still busy: a new run with `reject` is refused while the handed-over one executes.
    await expect(
      onStaying.createThreadRun(thread.thread_id, {
        agent_id: agentIds.echo,
        input: { text: "no" },
        multitask_strategy: "reject",
      }),
    ).rejects.toMatchObject({ status: 409 });
    staying.gate.release();
    const done = await onStaying.waitForThreadRunOutput(thread.thread_id, run.run_id);
    expect(done.run?.status).toBe("success");
    expect(done.output).toMatchObject({ values: { reply: "done: kept" } });
    // The waiter was answered once the run had freed its thread.
    expect((await onStaying.getThread(thread.thread_id)).status).toBe("idle");
  });
});
