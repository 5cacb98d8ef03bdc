/**
 * A2A on the PostgreSQL store and across two replicas of one service, through
 * `@a2a-js/sdk`'s client over real HTTP (both replicas in this process, so that the
 * tests can hold runs open): a task is the same on either replica, whichever executes
 * its run; streams, cancels and resumes on one act on a run executing in the other.
 */
import { type StreamResponse, TaskState } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { postgresStore } from "../../src/server/index.js";
import {
  a2aClient,
  asTask,
  collect,
  data,
  kinds,
  outputData,
  request,
  stateOf,
  statusData,
  userMessage,
} from "../helpers/a2a-server-agents.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { agentIds, memoryLogger, startACPServer, type TestACPServer } from "../helpers/server.js";

describe.skipIf(!postgresAvailable)("A2A on two replicas of one PostgreSQL store", () => {
  let db: TestDatabase;
  const servers: TestACPServer[] = [];
  const loggers: Array<ReturnType<typeof memoryLogger>> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const logger = memoryLogger();
      loggers.push(logger);
      servers.push(await startACPServer({ store: postgresStore(db.url, { logger }), logger }));
    }
  });
  afterAll(async () => {
    for (const server of servers) server.gate.release();
    for (const server of servers) await server.close();
    await db?.drop();
    for (const logger of loggers) {
      expect(logger.lines.filter((line) => line.startsWith("A2A"))).toEqual([]);
    }
  });

  /** The clients of an agent on replica A and on replica B. */
  const both = (agentId: string) =>
    Promise.all(servers.map((s) => a2aClient(s.url, agentId))) as Promise<[Client, Client]>;

  /** Starts a slow task on A; resolves with it and the index of the replica executing it. */
  async function slowTask(client: Client) {
    const before = servers.map((s) => s.gate.started);
    const task = asTask(
      await client.sendMessage(request(userMessage([data({ text: "slow" })]), true)),
    );
    expect(task.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    // The replica whose slow graph started (an object: index 0 would read as "not yet").
    const { executing } = await vi.waitUntil(
      () => {
        const index = servers.findIndex((s, i) => s.gate.started > (before[i] as number));
        return index === -1 ? undefined : { executing: index };
      },
      { timeout: 20_000, interval: 20 },
    );
    return { task, executing };
  }

  it("answers, streams and keeps contexts on the PostgreSQL store", async () => {
    const [a, b] = await both(agentIds.echo);
    const first = asTask(await a.sendMessage(request(userMessage([data({ text: "one" })]))));
    expect(first.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const events = await collect(
      b.sendMessageStream(
        request(userMessage([data({ text: "two" })], { contextId: first.contextId })),
      ),
    );
    expect(kinds(events)[0]).toBe("task");
    expect(stateOf(events.at(-1) as StreamResponse)).toBe(TaskState.TASK_STATE_COMPLETED);
    const secondId = events[0]?.payload?.$case === "task" ? events[0].payload.value.id : "";
    const second = await a.getTask({ tenant: "", id: secondId });
    expect(second.contextId).toBe(first.contextId);
    expect(outputData(second)).toMatchObject({ history: ["one", "two"] });
  });

  it("lists a stateless agent's tasks by the context they were sent in", async () => {
    const [a, b] = await both(agentIds.plain);
    const contextId = crypto.randomUUID();
    const sent = asTask(
      await a.sendMessage(request(userMessage([data({ text: "x" })], { contextId }))),
    );
    expect(sent.contextId).toBe(contextId);
    const listed = await b.listTasks({
      tenant: "",
      contextId,
      status: TaskState.TASK_STATE_COMPLETED,
      pageToken: "",
      statusTimestampAfter: undefined,
    });
    expect(listed.tasks.map((t) => t.id)).toEqual([sent.id]);
  });

  it("cancels on one replica a task executing in the other", async () => {
    const clients = await both(agentIds.slow);
    const { task, executing } = await slowTask(clients[0]);
    const other = clients[1 - executing] as Client;
    const cancelled = await other.cancelTask({ tenant: "", id: task.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const seen = await Promise.all(clients.map((c) => c.getTask({ tenant: "", id: task.id })));
    expect(seen.map((t) => t.status?.state)).toEqual([
      TaskState.TASK_STATE_CANCELED,
      TaskState.TASK_STATE_CANCELED,
    ]);
  });

  it("streams on one replica a task executing in the other, to its end", async () => {
    const clients = await both(agentIds.slow);
    const { task, executing } = await slowTask(clients[0]);
    const other = clients[1 - executing] as Client;
    const subscription = other.resubscribeTask({ tenant: "", id: task.id });
    const first = await subscription.next();
    expect(stateOf(first.value as StreamResponse)).toBe(TaskState.TASK_STATE_WORKING);
    servers[executing]?.gate.release();
    const rest = await collect(subscription);
    const last = rest.at(-1) as StreamResponse;
    expect(stateOf(last)).toBe(TaskState.TASK_STATE_COMPLETED);
    // Each values artifact replaces the one before (`append: false`): the last one is the
    // run's output. An earlier one may come first: the run's input values, when the
    // executing replica stored them after this replica began to follow the run.
    const artifacts = rest.flatMap((e) =>
      e.payload?.$case === "artifactUpdate" ? [e.payload.value.artifact?.parts[0]?.content] : [],
    );
    expect(artifacts.at(-1)).toEqual({
      $case: "data",
      value: { text: "slow", reply: "done: slow", history: ["slow"] },
    });
    for (const earlier of artifacts.slice(0, -1)) {
      expect(earlier).toEqual({ $case: "data", value: { text: "slow", history: [] } });
    }
  });

  it("resumes on one replica a task that asked for input on the other", async () => {
    const [a, b] = await both(agentIds.interrupt);
    const asked = asTask(await a.sendMessage(request(userMessage([data({ topic: "owls" })]))));
    expect(statusData(asked)).toEqual({
      interrupt_type: "question",
      question: "first about owls?",
    });
    const answer = (value: string) =>
      request(userMessage([data({ answer: value })], { taskId: asked.id }));
    const second = asTask(await b.sendMessage(answer("barn")));
    expect(second.id).toBe(asked.id);
    expect(statusData(second)).toEqual({ interrupt_type: "question", question: "second?" });
    const streamed = await collect(a.sendMessageStream(answer("snowy")));
    expect(stateOf(streamed.at(-1) as StreamResponse)).toBe(TaskState.TASK_STATE_COMPLETED);
    const done = await b.getTask({ tenant: "", id: asked.id });
    expect(outputData(done)).toMatchObject({ answers: ["barn", "snowy"] });
  });

  it("shows a run created over ACP on one replica as a task on the other", async () => {
    const created = await fetch(`${servers[0]?.url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: agentIds.echo, input: { text: "acp" } }),
    });
    const { run } = (await created.json()) as { run: { run_id: string } };
    const [, b] = await both(agentIds.echo);
    const task = await b.getTask({ tenant: "", id: run.run_id });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(outputData(task)).toMatchObject({ reply: "echo: acp" });
  });
});
