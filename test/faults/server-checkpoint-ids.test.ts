/**
 * A checkpoint id a request gives (a history's `before`, a patch's `checkpoint`) that
 * cannot name a checkpoint is a 422 naming where it was given, on every store; a NUL in
 * it never reaches PostgreSQL, which refuses it in text (a 500 before).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryAndPostgresStores } from "../helpers/postgres.js";
import {
  agentIds,
  memoryLogger,
  raw,
  startACPServer,
  type TestACPServer,
} from "../helpers/server.js";

const stores = memoryAndPostgresStores();

describe.each(stores)("a checkpoint id on the %s store", (_, store) => {
  let running: TestACPServer;
  let threadId: string;
  beforeAll(async () => {
    running = await startACPServer({ store: store(), logger: memoryLogger() });
    threadId = ((await raw(running.url, "POST", "/threads", {})).body as { thread_id: string })
      .thread_id;
    const ran = await raw(running.url, "POST", `/threads/${threadId}/runs/wait`, {
      agent_id: agentIds.echo,
      input: { text: "a" },
    });
    expect(ran.status).toBe(200);
  });
  afterAll(async () => {
    await running.close();
  });

  it.each(["%00", "a%01b", "x%0Ay"])("in a history's before (%s) is a 422", async (before) => {
    const answer = await raw(running.url, "GET", `/threads/${threadId}/history?before=${before}`);
    expect([answer.status, answer.body]).toEqual([
      422,
      "before is not a checkpoint id (1-256 characters, no control characters)",
    ]);
  });

  it.each([
    ["a NUL", "\u0000"],
    ["empty", ""],
    ["257 characters", "x".repeat(257)],
  ])("in a patch (%s) is a 422", async (_, checkpointId) => {
    const answer = await raw(running.url, "PATCH", `/threads/${threadId}`, {
      checkpoint: { checkpoint_id: checkpointId },
      values: { text: "b" },
    });
    expect([answer.status, answer.body]).toEqual([
      422,
      "checkpoint.checkpoint_id is not a checkpoint id (1-256 characters, no control characters)",
    ]);
  });

  it("of the thread is still found, and one it does not have is a 404", async () => {
    const history = await raw(running.url, "GET", `/threads/${threadId}/history`);
    const [latest] = history.body as Array<{ checkpoint: { checkpoint_id: string } }>;
    const before = await raw(
      running.url,
      "GET",
      `/threads/${threadId}/history?before=${latest?.checkpoint.checkpoint_id}`,
    );
    expect(before.status).toBe(200);
    const unknown = await raw(running.url, "PATCH", `/threads/${threadId}`, {
      checkpoint: { checkpoint_id: "no-such-checkpoint" },
      values: { text: "b" },
    });
    expect(unknown.status).toBe(404);
  });
});
