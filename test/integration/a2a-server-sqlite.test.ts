/**
 * A2A on the SQLite store: a task is its run, so a task that asked for input before a
 * restart is read, listed and resumed on the server started again on the same file.
 */
import { join } from "node:path";
import { TaskState } from "@a2a-js/sdk";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { describe, expect, it } from "vitest";
import { sqliteStore } from "../../src/server/index.js";
import { agentIds, serverScope, startACPServer } from "../helpers/server.js";
import {
  a2aClient,
  asTask,
  data,
  outputData,
  request,
  statusData,
  userMessage,
} from "./a2a-server-agents.js";

const { dir, servers } = serverScope("acp-a2a-");

/** A server on `file`. */
async function start(file: string) {
  const server = await startACPServer({
    checkpointer: SqliteSaver.fromConnString(file),
    store: sqliteStore(file),
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
});
