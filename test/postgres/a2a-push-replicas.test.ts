/**
 * A2A push notifications across two replicas of one PostgreSQL store, through
 * `@a2a-js/sdk`'s client over real HTTP: a config set through one replica on a task
 * whose run executes in the other is delivered by the other when the run ends.
 */
import { TaskState } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { postgresStore } from "../../src/server/index.js";
import { startServer, type TestServer } from "../helpers/http-server.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { agentIds, memoryLogger, startACPServer, type TestACPServer } from "../helpers/server.js";
import { a2aClient, asTask, data, request, userMessage } from "../integration/a2a-server-agents.js";

describe.skipIf(!postgresAvailable)("A2A push notifications across two replicas", () => {
  let db: TestDatabase;
  let receiver: TestServer;
  const servers: TestACPServer[] = [];
  const loggers: Array<ReturnType<typeof memoryLogger>> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await startServer((_req, res) => void res.writeHead(200).end());
    for (let i = 0; i < 2; i++) {
      const logger = memoryLogger();
      loggers.push(logger);
      servers.push(
        await startACPServer({
          store: postgresStore(db.url, { logger }),
          logger,
          webhooks: { allowPrivateNetworks: true },
        }),
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
  });
});
