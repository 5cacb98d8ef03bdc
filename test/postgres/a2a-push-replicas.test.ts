/**
 * A2A push notifications across two replicas of one PostgreSQL store, through
 * `@a2a-js/sdk`'s client over real HTTP: a config set through one replica on a task
 * whose run executes in the other is read and delivered by the other when the run ends;
 * a run whose task has no push config never reads the push config store (its status
 * writes say it has none), through start, interrupt, resume and end. And an existing
 * database is brought up to date: the configs it holds are counted on their runs.
 */
import { TaskState } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { postgresStore, type ServerStore } from "../../src/server/index.js";
import { SCHEMA_VERSION } from "../../src/server/stores/postgres/schema.js";
import {
  a2aClient,
  asTask,
  data,
  request,
  statusData,
  userMessage,
} from "../helpers/a2a-server-agents.js";
import { startServer, type TestServer } from "../helpers/http-server.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { agentIds, memoryLogger, startACPServer, type TestACPServer } from "../helpers/server.js";
import { storedRun, tick } from "../helpers/store-suite.js";

/** Records, on `store`, the runs whose push configs are read. */
function recordConfigReads(store: ServerStore): string[] {
  const configs = store.pushConfigs;
  if (!configs) throw new Error("the store keeps no push configs");
  const reads: string[] = [];
  const list = configs.list.bind(configs);
  configs.list = (runId) => {
    reads.push(runId);
    return list(runId);
  };
  return reads;
}

describe.skipIf(!postgresAvailable)("A2A push notifications across two replicas", () => {
  let db: TestDatabase;
  let receiver: TestServer;
  const servers: TestACPServer[] = [];
  /** The runs whose push configs each replica read. */
  const reads: string[][] = [];
  const loggers: Array<ReturnType<typeof memoryLogger>> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await startServer((_req, res) => void res.writeHead(200).end());
    for (let i = 0; i < 2; i++) {
      const logger = memoryLogger();
      loggers.push(logger);
      const store = postgresStore(db.url, { logger });
      reads.push(recordConfigReads(store));
      servers.push(
        await startACPServer({ store, logger, webhooks: { allowPrivateNetworks: true } }),
      );
    }
  });
  afterAll(async () => {
    for (const server of servers) server.gate.release();
    for (const server of servers) await server.close();
    await receiver?.close();
    await db?.drop();
    for (const logger of loggers) expect(logger.lines).toEqual([]);
  });

  it("delivers, from the replica that ends the run, a config set through the other", async () => {
    const clients = (await Promise.all(servers.map((s) => a2aClient(s.url, agentIds.slow)))) as [
      Client,
      Client,
    ];
    const before = servers.map((s) => s.gate.started);
    const task = asTask(
      await clients[0].sendMessage(request(userMessage([data({ text: "slow" })]), true)),
    );
    const { executing } = await vi.waitUntil(
      () => {
        const index = servers.findIndex((s, i) => s.gate.started > (before[i] as number));
        return index === -1 ? undefined : { executing: index };
      },
      { timeout: 20_000, interval: 20 },
    );
    const other = 1 - executing;
    await (clients[other] as Client).createTaskPushNotificationConfig({
      tenant: "",
      id: "across",
      taskId: task.id,
      url: `${receiver.url}/across`,
      token: "replica-token",
      authentication: undefined,
    });
    // Read back through the replica executing the run: the config is in the store.
    const listed = await (clients[executing] as Client).listTaskPushNotificationConfig({
      tenant: "",
      taskId: task.id,
      pageSize: 0,
      pageToken: "",
    });
    expect(listed.configs.map((c) => c.id)).toEqual(["across"]);
    const readsBefore = reads.map((r) => r.length);
    (servers[executing] as TestACPServer).gate.release();
    await vi.waitUntil(
      () => receiver.requests.some((r) => r.body.includes("TASK_STATE_COMPLETED")),
      { timeout: 20_000 },
    );
    const completed = receiver.requests.filter((r) => r.body.includes("statusUpdate"));
    expect(completed).toHaveLength(1);
    expect(completed[0]?.headers["x-a2a-notification-token"]).toBe("replica-token");
    expect(JSON.parse(completed[0]?.body ?? "{}")).toMatchObject({
      statusUpdate: { taskId: task.id, status: { state: "TASK_STATE_COMPLETED" } },
    });
    const final = await (clients[other] as Client).getTask({ tenant: "", id: task.id });
    expect(final.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    // The replica that ended the run read its configs, for that change only.
    expect(reads[executing]?.slice(readsBefore[executing])).toEqual([task.id]);
    expect(reads[other]?.slice(readsBefore[other])).toEqual([]);
  });

  it("reads no configs for tasks without any, whatever their changes on either replica", async () => {
    const clientsOf = async (agentId: string) =>
      (await Promise.all(servers.map((s) => a2aClient(s.url, agentId)))) as [Client, Client];
    // Tasks without configs: ended at once, and asked for input, resumed on the other
    // replica, then ended.
    const echo = await clientsOf(agentIds.echo);
    const plain: string[] = [];
    for (const client of [...echo, ...echo]) {
      const task = asTask(await client.sendMessage(request(userMessage([data({ text: "x" })]))));
      expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      plain.push(task.id);
    }
    const [a, b] = await clientsOf(agentIds.interrupt);
    const asked = asTask(await a.sendMessage(request(userMessage([data({ topic: "owls" })]))));
    expect(statusData(asked)).toEqual({
      interrupt_type: "question",
      question: "first about owls?",
    });
    const answer = (value: string) =>
      request(userMessage([data({ answer: value })], { taskId: asked.id }));
    expect(asTask(await b.sendMessage(answer("barn"))).status?.state).toBe(
      TaskState.TASK_STATE_INPUT_REQUIRED,
    );
    expect(asTask(await a.sendMessage(answer("snowy"))).status?.state).toBe(
      TaskState.TASK_STATE_COMPLETED,
    );
    plain.push(asked.id);
    for (const id of plain) expect(reads.flat()).not.toContain(id);
  });
});

describe.skipIf(!postgresAvailable)("A PostgreSQL database of the release before the count", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("is brought up to date with the configs it holds counted on their runs", async () => {
    const logger = memoryLogger();
    let store = postgresStore(db.url, { logger, schema: "older" });
    const withConfigs = storedRun();
    const without = storedRun();
    await store.runs.insert(withConfigs);
    await store.runs.insert(without);
    await store.pushConfigs?.put(withConfigs.run_id, "a", { url: "a" }, 5);
    await store.pushConfigs?.put(withConfigs.run_id, "b", { url: "b" }, 5);
    await store.close();
    // The schema as the release before the count (step 3) wrote it: no count, and none
    // of the steps after it (step 4's index of the queued runs by thread).
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      await pool.query("DROP INDEX older.runs_queued_by_thread");
      await pool.query("ALTER TABLE older.runs DROP COLUMN push_configs");
      await pool.query("DELETE FROM older.migrations WHERE version >= 3");
      store = postgresStore(db.url, { logger, schema: "older" });
      try {
        const write = (r: typeof without) => store.runs.update({ ...r, updated_at: tick() });
        expect(await write(withConfigs)).toEqual({ pushConfigs: true });
        expect(await write(without)).toEqual({ pushConfigs: false });
        // Counted as two: deleting one leaves the run with configs, both leaves it none.
        expect(await store.pushConfigs?.delete(withConfigs.run_id, "a")).toBe(true);
        expect(await write(withConfigs)).toEqual({ pushConfigs: true });
        expect(await store.pushConfigs?.delete(withConfigs.run_id, "b")).toBe(true);
        expect(await write(withConfigs)).toEqual({ pushConfigs: false });
      } finally {
        await store.close();
      }
      const { rows } = await pool.query("SELECT max(version) AS version FROM older.migrations");
      expect(rows[0].version).toBe(SCHEMA_VERSION);
    } finally {
      await pool.end();
    }
    expect(logger.lines).toEqual([]);
  });
});
