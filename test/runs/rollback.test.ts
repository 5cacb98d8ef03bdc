/**
 * Rolling back a thread run over real HTTP: only the latest run, and only the
 * checkpoints it wrote, can be undone. On the memory store, and on PostgreSQL, whose
 * store names a thread run's baseline and head in the statements that store it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration } from "../../src/index.js";
import { memoryAndPostgresStores } from "../helpers/postgres.js";
import { agentIds, memoryLogger, startACPServer, type TestACPServer } from "../helpers/server.js";

const stores = memoryAndPostgresStores();

describe.each(stores)("rollback on the %s store", (_, store) => {
  let running: TestACPServer;
  let client: ACPClient;
  beforeAll(async () => {
    running = await startACPServer({ store: store(), logger: memoryLogger() });
    client = new ACPClient({ configuration: new ApiClientConfiguration({ host: running.url }) });
  });
  afterAll(async () => {
    await client?.close();
    await running?.close();
  });

  it("of a run a later run built on is refused with 422, and leaves the newer run's state", async () => {
    const thread = await client.createThread({});
    const first = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "first" },
    });
    const second = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "second" },
    });
    const historyBefore = await client.getThreadHistory(thread.thread_id, 100);
    const refused = client.cancelThreadRun(
      thread.thread_id,
      first.run?.run_id as string,
      true,
      "rollback",
    );
    await expect(refused).rejects.toMatchObject({ status: 422 });
    await expect(refused).rejects.toThrow(/after it/);

    expect((await client.getThread(thread.thread_id)).values).toMatchObject({
      reply: "echo: second",
      history: ["first", "second"],
    });
    expect(await client.getThreadHistory(thread.thread_id, 100)).toEqual(historyBefore);
    for (const run of [first, second]) {
      const kept = await client.getThreadRun(thread.thread_id, run.run?.run_id as string);
      expect(kept.status).toBe("success");
    }
  });

  it("of the latest run removes that run and only the checkpoints it wrote", async () => {
    const thread = await client.createThread({});
    const first = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "first" },
    });
    const historyAfterFirst = await client.getThreadHistory(thread.thread_id, 100);
    const second = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "second" },
    });
    await client.cancelThreadRun(thread.thread_id, second.run?.run_id as string, true, "rollback");

    await expect(
      client.getThreadRun(thread.thread_id, second.run?.run_id as string),
    ).rejects.toMatchObject({ status: 404 });
    expect((await client.getThread(thread.thread_id)).values).toMatchObject({
      reply: "echo: first",
      history: ["first"],
    });
    expect(await client.getThreadHistory(thread.thread_id, 100)).toEqual(historyAfterFirst);
    expect((await client.listThreadRuns(thread.thread_id)).map((r) => r.run_id)).toEqual([
      first.run?.run_id,
    ]);
  });

  it("is refused after the thread's state was patched on top of the run", async () => {
    const thread = await client.createThread({});
    const run = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "base" },
    });
    await client.patchThread(thread.thread_id, { values: { reply: "patched" } });
    await expect(
      client.cancelThreadRun(thread.thread_id, run.run?.run_id as string, true, "rollback"),
    ).rejects.toMatchObject({ status: 422 });
    expect((await client.getThread(thread.thread_id)).values).toMatchObject({ reply: "patched" });
  });
});
