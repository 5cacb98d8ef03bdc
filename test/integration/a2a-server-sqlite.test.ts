/**
 * A2A on the SQLite store: a task is its run, so a task that asked for input before a
 * restart is read, listed and resumed on the server started again on the same file,
 * and its push notification configs, kept in the file, are delivered after the restart.
 */
import { join } from "node:path";
import { TaskState } from "@a2a-js/sdk";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { describe, expect, it, vi } from "vitest";
import { sqliteStore } from "../../src/server/index.js";
import {
  a2aClient,
  asTask,
  data,
  outputData,
  request,
  statusData,
  userMessage,
} from "../helpers/a2a-server-agents.js";
import { startServer } from "../helpers/http-server.js";
import { agentIds, serverScope, startACPServer } from "../helpers/server.js";

const { dir, servers } = serverScope("acp-a2a-");

/** A server on `file`. */
async function start(file: string) {
  const server = await startACPServer({
    checkpointer: SqliteSaver.fromConnString(file),
    store: sqliteStore(file),
    webhooks: { allowPrivateNetworks: true },
  });
  servers.push(server);
  return server;
}

describe("A2A on the SQLite store", () => {
  it("resumes after a restart a task that asked for input before it", async () => {
    const file = join(dir, "a2a.sqlite");
    const first = await start(file);
    const before = await a2aClient(first.url, agentIds.interrupt);
    const asked = asTask(await before.sendMessage(request(userMessage([data({ topic: "rain" })]))));
    expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    await first.close();

    const second = await start(file);
    const after = await a2aClient(second.url, agentIds.interrupt);
    const read = await after.getTask({ tenant: "", id: asked.id });
    expect(read.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(statusData(read)).toEqual({ interrupt_type: "question", question: "first about rain?" });
    const listed = await after.listTasks({
      tenant: "",
      contextId: asked.contextId,
      status: TaskState.TASK_STATE_INPUT_REQUIRED,
      pageToken: "",
      statusTimestampAfter: undefined,
    });
    expect(listed.tasks.map((t) => t.id)).toEqual([asked.id]);
    const answer = (value: string) =>
      request(userMessage([data({ answer: value })], { taskId: asked.id }));
    asTask(await after.sendMessage(answer("soft")));
    const done = asTask(await after.sendMessage(answer("warm")));
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(outputData(done)).toMatchObject({ topic: "rain", answers: ["soft", "warm"] });
  });

  it("keeps a task's push notification configs across a restart, and delivers its end", async () => {
    const receiver = await startServer((_req, res) => void res.writeHead(200).end());
    try {
      const file = join(dir, "a2a-push.sqlite");
      const first = await start(file);
      const before = await a2aClient(first.url, agentIds.interrupt);
      const asked = asTask(
        await before.sendMessage(request(userMessage([data({ topic: "push" })]))),
      );
      await before.createTaskPushNotificationConfig({
        tenant: "",
        id: "kept",
        taskId: asked.id,
        url: `${receiver.url}/kept`,
        token: "file-token",
        authentication: undefined,
      });
      await first.close();

      const second = await start(file);
      const after = await a2aClient(second.url, agentIds.interrupt);
      const listed = await after.listTaskPushNotificationConfig({
        tenant: "",
        taskId: asked.id,
        pageSize: 0,
        pageToken: "",
      });
      expect(listed.configs.map((c) => [c.id, c.token])).toEqual([["kept", "file-token"]]);
      const answer = (value: string) =>
        request(userMessage([data({ answer: value })], { taskId: asked.id }));
      asTask(await after.sendMessage(answer("one")));
      asTask(await after.sendMessage(answer("two")));
      await vi.waitUntil(
        () => receiver.requests.some((r) => r.body.includes("TASK_STATE_COMPLETED")),
        { timeout: 10_000 },
      );
      const states = receiver.requests.flatMap((r) => {
        const body = JSON.parse(r.body) as { statusUpdate?: { status: { state: string } } };
        return body.statusUpdate ? [body.statusUpdate.status.state] : [];
      });
      expect(states).toEqual([
        "TASK_STATE_WORKING",
        "TASK_STATE_INPUT_REQUIRED",
        "TASK_STATE_WORKING",
        "TASK_STATE_COMPLETED",
      ]);
      expect(
        receiver.requests.every((r) => r.headers["x-a2a-notification-token"] === "file-token"),
      ).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
