/**
 * How long and how much the server's store keeps, over real HTTP: finished runs go
 * after finishedRunTtlMs, and a full store answers 503 naming its limit.
 */
import { describe, expect, it, vi } from "vitest";
import { memoryStore } from "../../src/server/index.js";
import { agentIds, memoryLogger, raw, serverScope } from "../helpers/server.js";

const { start } = serverScope("acp-store-capacity-");

describe("finished runs past finishedRunTtlMs", () => {
  it("are deleted with their events; executing and interrupted ones stay", async () => {
    const { server, client } = await start({ finishedRunTtlMs: 1 });
    const asked = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "stays" },
    });
    const done = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "goes" },
    });
    const running = await client.createStatelessRun({
      agent_id: agentIds.slow,
      input: { text: "s" },
    });
    await server.gate.waitForStarted(1);
    // The purge runs every second at the earliest: wait for it to take the finished run.
    await vi.waitUntil(
      async () =>
        !(await client.searchStatelessRuns({ limit: 10 })).some(
          (r) => r.run_id === done.run?.run_id,
        ),
      { timeout: 10_000, interval: 50 },
    );
    await expect(client.getStatelessRun(done.run?.run_id as string)).rejects.toMatchObject({
      status: 404,
    });
    expect((await client.getStatelessRun(asked.run?.run_id as string)).status).toBe("interrupted");
    expect((await client.getStatelessRun(running.run_id)).status).toBe("pending");
  });
});

describe("a full store", () => {
  it("answers 503 naming its limit, to a new run and to a new thread alike", async () => {
    const logger = memoryLogger();
    const { server } = await start({ store: memoryStore({ maxBytes: 60_000, logger }), logger });
    // Executing runs are never dropped to make room: a few with big inputs fill it.
    const create = () =>
      raw(server.url, "POST", "/runs", {
        agent_id: agentIds.slow,
        input: { text: "x".repeat(10_000) },
      });
    let answer = await create();
    for (let i = 0; i < 20 && answer.status === 200; i += 1) answer = await create();
    expect(answer.status).toBe(503);
    expect(answer.body).toMatch(/maxBytes/);
    const thread = await raw(server.url, "POST", "/threads", {
      metadata: { note: "y".repeat(10_000) },
    });
    expect(thread.status).toBe(503);
    expect(thread.body).toMatch(/maxBytes/);
    expect(logger.lines.some((l) => /failed/.test(l))).toBe(false);
  });
});
