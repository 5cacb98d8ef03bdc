/**
 * A2A push notifications through `@a2a-js/sdk`'s client over real HTTP: a config set
 * with a message, or on a task under way, receives the task's status changes at a local
 * receiver with the config's token or authentication; configs are read, listed and
 * deleted; a config the server's webhook policy refuses, or one too many, is answered
 * with the protocol's error on either binding, and starts no run.
 */
import { type StreamResponse, type TaskPushNotificationConfig, TaskState } from "@a2a-js/sdk";
import {
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotFoundError,
} from "@a2a-js/sdk/errors";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { memoryStore } from "../../src/server/index.js";
import {
  a2aBase,
  a2aClient,
  asTask,
  data,
  request,
  statusData,
  transports,
  userMessage,
} from "../helpers/a2a-server-agents.js";
import { type RecordedRequest, startServer, type TestServer } from "../helpers/http-server.js";
import { agentIds, memoryLogger, startACPServer, type TestACPServer } from "../helpers/server.js";

/** A push config for `url`; `fields` override its other fields. */
function pushConfig(
  url: string,
  fields: Partial<TaskPushNotificationConfig> = {},
): TaskPushNotificationConfig {
  return { tenant: "", id: "", taskId: "", url, token: "", authentication: undefined, ...fields };
}

/** A send request whose configuration carries `config`. */
function requestWithPush(config: TaskPushNotificationConfig, value: unknown, immediately = false) {
  const sent = request(userMessage([data(value)]), immediately);
  return { ...sent, configuration: { ...sent.configuration, taskPushNotificationConfig: config } };
}

/** A notification's body: a `StreamResponse` in JSON. */
interface Pushed {
  statusUpdate?: { taskId: string; contextId: string; status: { state: string } };
  artifactUpdate?: {
    taskId: string;
    contextId: string;
    artifact: { parts: Array<{ data?: unknown }> };
  };
}

/** The notifications the receiver got at `path`, parsed. */
function received(
  receiver: TestServer,
  path: string,
): Array<{ req: RecordedRequest; body: Pushed }> {
  return receiver.requests
    .filter((r) => r.url === path)
    .map((req) => ({ req, body: JSON.parse(req.body) as Pushed }));
}

/** The task states the notifications at `path` told, in order. */
function statesAt(receiver: TestServer, path: string): string[] {
  return received(receiver, path).flatMap(({ body }) =>
    body.statusUpdate ? [body.statusUpdate.status.state as string] : [],
  );
}

describe("A2A push notifications", () => {
  let server: TestACPServer;
  let strict: TestACPServer;
  let receiver: TestServer;
  const logger = memoryLogger();

  beforeAll(async () => {
    receiver = await startServer((_req, res) => void res.writeHead(200).end());
    server = await startACPServer({
      logger,
      webhooks: { allowPrivateNetworks: true, maxPushConfigsPerTask: 2 },
    });
    // The default policy: public addresses only.
    strict = await startACPServer();
  });
  afterAll(async () => {
    server?.gate.release();
    strict?.gate.release();
    await server?.close();
    await strict?.close();
    await receiver?.close();
    expect(logger.lines).toEqual([]);
  });

  it("are offered by the cards", async () => {
    const client = await a2aClient(server.url, agentIds.echo);
    expect((await client.getAgentCard()).capabilities?.pushNotifications).toBe(true);
  });

  for (const transport of transports) {
    it(`sends a task's status changes to a config set with its message (${transport})`, async () => {
      const client = await a2aClient(server.url, agentIds.echo, transport);
      const path = `/send-${transport}`;
      const task = asTask(
        await client.sendMessage(
          requestWithPush(pushConfig(`${receiver.url}${path}`, { token: "tok-1" }), {
            text: "pushed",
          }),
        ),
      );
      expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      await vi.waitUntil(() => statesAt(receiver, path).includes("TASK_STATE_COMPLETED"), {
        timeout: 10_000,
      });
      expect(statesAt(receiver, path)).toEqual(["TASK_STATE_WORKING", "TASK_STATE_COMPLETED"]);
      const notes = received(receiver, path);
      for (const { req, body } of notes) {
        expect(req.method).toBe("POST");
        expect(req.headers["content-type"]).toBe("application/a2a+json");
        expect(req.headers["x-a2a-notification-token"]).toBe("tok-1");
        expect(req.headers.authorization).toBeUndefined();
        const ids = body.statusUpdate ?? body.artifactUpdate;
        expect(ids).toMatchObject({ taskId: task.id, contextId: task.contextId });
      }
      // The output artifact comes before the completed status.
      const artifact = notes.findIndex(({ body }) => body.artifactUpdate);
      expect(artifact).toBe(notes.length - 2);
      expect(notes[artifact]?.body.artifactUpdate?.artifact.parts[0]?.data).toMatchObject({
        text: "pushed",
      });
    });
  }

  it("sends the config's authentication as the Authorization header", async () => {
    const client = await a2aClient(server.url, agentIds.echo);
    const path = "/auth";
    const config = pushConfig(`${receiver.url}${path}`, {
      authentication: { scheme: "Bearer", credentials: "secret-credentials" },
      token: "ignored-when-authenticated",
    });
    await client.sendMessage(requestWithPush(config, { text: "auth" }));
    await vi.waitUntil(() => statesAt(receiver, path).includes("TASK_STATE_COMPLETED"), {
      timeout: 10_000,
    });
    for (const { req } of received(receiver, path)) {
      expect(req.headers.authorization).toBe("Bearer secret-credentials");
      expect(req.headers["x-a2a-notification-token"]).toBeUndefined();
    }
  });

  for (const transport of transports) {
    it(`reads, lists and deletes the configs of a task (${transport})`, async () => {
      const client = await a2aClient(server.url, agentIds.echo, transport);
      const task = asTask(await client.sendMessage(request(userMessage([data({ text: "x" })]))));
      const keep = await client.createTaskPushNotificationConfig(
        pushConfig(`${receiver.url}/keep`, { taskId: task.id, id: "keep", token: "k" }),
      );
      expect(keep).toMatchObject({ id: "keep", taskId: task.id, token: "k" });
      const other = await client.createTaskPushNotificationConfig(
        pushConfig(`${receiver.url}/other`, { taskId: task.id }),
      );
      // An id is given to a config without one.
      expect(other.id).toMatch(/^[0-9a-f-]{36}$/);
      // Set again under its id, a config is replaced, not added.
      await client.createTaskPushNotificationConfig(
        pushConfig(`${receiver.url}/keep2`, { taskId: task.id, id: "keep", token: "k" }),
      );
      // maxPushConfigsPerTask is 2 on this server.
      const third = client.createTaskPushNotificationConfig(
        pushConfig(`${receiver.url}/third`, { taskId: task.id }),
      );
      await expect(third).rejects.toBeInstanceOf(RequestMalformedError);
      await expect(third).rejects.toThrow(/webhooks\.maxPushConfigsPerTask/);
      const read = await client.getTaskPushNotificationConfig({
        tenant: "",
        taskId: task.id,
        id: "keep",
      });
      expect(read.url).toBe(`${receiver.url}/keep2`);
      const list = () =>
        client.listTaskPushNotificationConfig({
          tenant: "",
          taskId: task.id,
          pageSize: 0,
          pageToken: "",
        });
      expect((await list()).configs.map((c) => c.id)).toEqual(["keep", other.id]);
      await client.deleteTaskPushNotificationConfig({ tenant: "", taskId: task.id, id: other.id });
      expect((await list()).configs.map((c) => c.id)).toEqual(["keep"]);
      await expect(
        client.getTaskPushNotificationConfig({ tenant: "", taskId: task.id, id: other.id }),
      ).rejects.toBeInstanceOf(TaskNotFoundError);
      await expect(
        client.listTaskPushNotificationConfig({
          tenant: "",
          taskId: crypto.randomUUID(),
          pageSize: 0,
          pageToken: "",
        }),
      ).rejects.toBeInstanceOf(TaskNotFoundError);
    });
  }

  it("sends the end of a task under way to a config set on it, and nothing to one deleted", async () => {
    const client = await a2aClient(server.url, agentIds.slow);
    const task = asTask(
      await client.sendMessage(request(userMessage([data({ text: "slow" })]), true)),
    );
    expect(task.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    await client.createTaskPushNotificationConfig(
      pushConfig(`${receiver.url}/later`, { taskId: task.id, token: "later" }),
    );
    await client.createTaskPushNotificationConfig(
      pushConfig(`${receiver.url}/deleted`, { taskId: task.id, id: "gone" }),
    );
    await client.deleteTaskPushNotificationConfig({ tenant: "", taskId: task.id, id: "gone" });
    server.gate.release();
    await vi.waitUntil(() => statesAt(receiver, "/later").includes("TASK_STATE_COMPLETED"), {
      timeout: 10_000,
    });
    expect(statesAt(receiver, "/later")).toEqual(["TASK_STATE_COMPLETED"]);
    expect(received(receiver, "/later")[0]?.req.headers["x-a2a-notification-token"]).toBe("later");
    expect(received(receiver, "/deleted")).toEqual([]);
  });

  for (const transport of transports) {
    it(`refuses with InvalidParams a config the webhook policy refuses, starting no run (${transport})`, async () => {
      const client = await a2aClient(strict.url, agentIds.echo, transport);
      const before = (await fetch(`${strict.url}/runs/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ limit: 100 }),
      }).then((r) => r.json())) as unknown[];
      for (const url of [
        "http://10.0.0.1/hook",
        "http://alice:s3cret@example.com/hook",
        "ftp://example.com/hook",
        `${receiver.url}/refused`,
      ]) {
        const refused = client.sendMessage(requestWithPush(pushConfig(url), { text: "no" }));
        await expect(refused).rejects.toBeInstanceOf(RequestMalformedError);
        await expect(refused).rejects.toThrow(/webhook policy/);
        // The credentials are never repeated.
        await expect(refused).rejects.not.toThrow(/s3cret|alice/);
      }
      const bad = [
        pushConfig("https://example.com/hook", {
          authentication: { scheme: "Bearer", credentials: "" },
        }),
        pushConfig("https://example.com/hook", { token: "a\r\nb: c" }),
        pushConfig("https://example.com/hook", { id: "no spaces here" }),
      ];
      for (const config of bad) {
        await expect(
          client.sendMessage(requestWithPush(config, { text: "no" })),
        ).rejects.toBeInstanceOf(RequestMalformedError);
      }
      const after = (await fetch(`${strict.url}/runs/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ limit: 100 }),
      }).then((r) => r.json())) as unknown[];
      expect(after.length).toBe(before.length);
      const task = asTask(await client.sendMessage(request(userMessage([data({ text: "ok" })]))));
      await expect(
        client.createTaskPushNotificationConfig(
          pushConfig("http://169.254.169.254/latest", { taskId: task.id }),
        ),
      ).rejects.toBeInstanceOf(RequestMalformedError);
    });
  }

  it("answers a refused config by hand with JSON-RPC's InvalidParams on HTTP 200, and REST's 400", async () => {
    const base = a2aBase(strict.url, agentIds.echo);
    const params = {
      message: { messageId: "m1", role: "ROLE_USER", parts: [{ data: { text: "x" } }] },
      configuration: { taskPushNotificationConfig: { url: "http://10.0.0.1/hook" } },
    };
    const rpc = await fetch(base, {
      method: "POST",
      headers: { "content-type": "application/json", "a2a-version": "1.0" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "SendMessage", params }),
    });
    expect(rpc.status).toBe(200);
    const answer = (await rpc.json()) as { error: { code: number; message: string } };
    expect(answer.error.code).toBe(-32602);
    expect(answer.error.message).toMatch(/10\.0\.0\.1 is not a public address/);
    const rest = await fetch(`${base}rest/message:send`, {
      method: "POST",
      headers: { "content-type": "application/json", "a2a-version": "1.0" },
      body: JSON.stringify(params),
    });
    expect(rest.status).toBe(400);
  });

  it("sends input-required, then the resumed task's changes, to a config set with the first message", async () => {
    const client = await a2aClient(server.url, agentIds.interrupt);
    const path = "/interrupt";
    const first = asTask(
      await client.sendMessage(
        requestWithPush(pushConfig(`${receiver.url}${path}`), { topic: "q" }),
      ),
    );
    expect(first.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    await vi.waitUntil(() => statesAt(receiver, path).includes("TASK_STATE_INPUT_REQUIRED"), {
      timeout: 10_000,
    });
    await client.sendMessage(
      request(
        userMessage([data({ answer: "yes" })], { taskId: first.id, contextId: first.contextId }),
      ),
    );
    await vi.waitUntil(() => statesAt(receiver, path).length >= 4, { timeout: 10_000 });
    expect(statesAt(receiver, path).slice(0, 4)).toEqual([
      "TASK_STATE_WORKING",
      "TASK_STATE_INPUT_REQUIRED",
      "TASK_STATE_WORKING",
      "TASK_STATE_INPUT_REQUIRED",
    ]);
  });

  it("streams a task whose message sets a config, and the config gets its end", async () => {
    const client = await a2aClient(server.url, agentIds.echo);
    const path = "/stream";
    const events: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(
      requestWithPush(pushConfig(`${receiver.url}${path}`), { text: "streamed" }),
    )) {
      events.push(event);
    }
    expect(events.length).toBeGreaterThan(1);
    await vi.waitUntil(() => statesAt(receiver, path).includes("TASK_STATE_COMPLETED"), {
      timeout: 10_000,
    });
    expect(statesAt(receiver, path)).toEqual(["TASK_STATE_WORKING", "TASK_STATE_COMPLETED"]);
  });

  it("are not offered on a store that keeps no configs", async () => {
    const { pushConfigs: _none, ...store } = memoryStore();
    const bare = await startACPServer({ store });
    try {
      const client = await a2aClient(bare.url, agentIds.echo);
      expect((await client.getAgentCard()).capabilities?.pushNotifications).toBe(false);
      await expect(
        client.sendMessage(requestWithPush(pushConfig("https://example.com/hook"), { text: "x" })),
      ).rejects.toBeInstanceOf(PushNotificationNotSupportedError);
      const task = asTask(await client.sendMessage(request(userMessage([data({ text: "x" })]))));
      // By hand: the SDK's client does not send what the card does not offer.
      const params = { taskId: task.id, url: "https://example.com/hook" };
      const answer = await fetch(a2aBase(bare.url, agentIds.echo), {
        method: "POST",
        headers: { "content-type": "application/json", "a2a-version": "1.0" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "CreateTaskPushNotificationConfig",
          params,
        }),
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ error: { code: -32003 } });
    } finally {
      await bare.close();
    }
  });

  it("refuses a config one too many with a resume, leaving the task waiting for input", async () => {
    const client = await a2aClient(server.url, agentIds.interrupt);
    const asked = asTask(await client.sendMessage(request(userMessage([data({ topic: "full" })]))));
    for (const id of ["one", "two"]) {
      await client.createTaskPushNotificationConfig(
        pushConfig(`${receiver.url}/full-${id}`, { taskId: asked.id, id }),
      );
    }
    const resume = request(userMessage([data({ answer: "a" })], { taskId: asked.id }));
    const refused = client.sendMessage({
      ...resume,
      configuration: {
        ...resume.configuration,
        taskPushNotificationConfig: pushConfig(`${receiver.url}/full-three`),
      },
    });
    await expect(refused).rejects.toBeInstanceOf(RequestMalformedError);
    await expect(refused).rejects.toThrow(/webhooks\.maxPushConfigsPerTask/);
    const task = await client.getTask({ tenant: "", id: asked.id });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(statusData(task)).toMatchObject({ question: "first about full?" });
  });
});
