/**
 * The server's agents over A2A v1.0, through `@a2a-js/sdk`'s own client over real
 * HTTP, on the memory store: cards, blocking and streaming sends, tasks read, listed,
 * cancelled and subscribed to, the input-required round trip, contexts as threads, the
 * protocol's errors, and one run seen from both protocols.
 */
import { type StreamResponse, TaskState } from "@a2a-js/sdk";
import {
  ContentTypeNotSupportedError,
  RequestMalformedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from "@a2a-js/sdk/errors";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type RunningACPServer, serveACP } from "../../src/server/index.js";
import {
  a2aBase,
  a2aChatAgent,
  a2aClient,
  approvalAgent,
  asTask,
  collect,
  data,
  kinds,
  outputData,
  request,
  stateOf,
  statusData,
  text,
  transports,
  userMessage,
} from "../helpers/a2a-server-agents.js";
import {
  chatAgent,
  createGate,
  customStreamingAgent,
  echoAgent,
  interruptTwiceAgent,
  plainAgent,
  slowAgent,
  throwingAgent,
} from "../helpers/graphs.js";
import { agentIds, memoryLogger } from "../helpers/server.js";

const chatId = "a2a.chat";
const approvalId = "a2a.approval";
const gate = createGate();
const logger = memoryLogger();
let server: RunningACPServer;

beforeAll(async () => {
  server = await serveACP({
    agents: [
      echoAgent(),
      customStreamingAgent(),
      interruptTwiceAgent(),
      throwingAgent(),
      slowAgent(gate),
      plainAgent(),
      chatAgent(),
      { ...a2aChatAgent(), agentId: chatId },
      { ...approvalAgent(), agentId: approvalId },
    ],
    port: 0,
    hostname: "127.0.0.1",
    logger,
  });
});

afterAll(async () => {
  gate.release();
  await server?.close();
  // No request above was a server fault (those are logged; the rest are the client's).
  expect(logger.lines.filter((line) => line.startsWith("A2A"))).toEqual([]);
});

/** A JSON-RPC call made by hand, for what the SDK's client would not send. */
async function rawJsonRpc(agentId: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(a2aBase(server.url, agentId), {
    method: "POST",
    headers: { "content-type": "application/json", "a2a-version": "1.0", ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("agent cards", () => {
  it("are read off the descriptors, with both interfaces at absolute URLs", async () => {
    const response = await fetch(
      `${a2aBase(server.url, agentIds.echo)}.well-known/agent-card.json`,
    );
    expect(response.status).toBe(200);
    const card = (await response.json()) as Record<string, unknown>;
    const base = a2aBase(server.url, agentIds.echo);
    expect(card).toMatchObject({
      name: "test.echo",
      version: "1.0.0",
      description: "test agent test.echo",
      capabilities: { streaming: true, pushNotifications: true },
      supportedInterfaces: [
        { url: base, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
        { url: `${base}rest`, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
      ],
    });
    expect((card.skills as Array<{ id: string }>).map((s) => s.id)).toEqual(["test.echo"]);
    // The descriptor's schemas, where this project's A2ANode reads a card's types.
    expect(card.capabilities).toMatchObject({
      extensions: [
        {
          uri: "urn:agntcy-acp:a2a:json-schema:v1",
          params: { input: { required: ["text"] }, output: { type: "object" } },
        },
      ],
    });
  });

  it("declare streaming only for agents that stream, which alone take a stream", async () => {
    const client = await a2aClient(server.url, agentIds.plain);
    const card = await client.getAgentCard();
    expect(card.capabilities?.streaming).toBe(false);
    // The SDK's client does not ask a card without streaming for a stream: by hand.
    const params = { message: { messageId: "m1", role: "ROLE_USER", parts: [{ data: { a: 1 } }] } };
    const refused = await rawJsonRpc(
      agentIds.plain,
      JSON.stringify({ jsonrpc: "2.0", id: 7, method: "SendStreamingMessage", params }),
    );
    expect(refused).toMatchObject({ status: 200, body: { id: 7, error: { code: -32004 } } });
  });

  it("are at the server's root only when it serves one agent, and follow publicUrl", async () => {
    const root = await fetch(`${server.url}/.well-known/agent-card.json`);
    expect(root.status).toBe(404);
    const single = await serveACP({
      agents: [echoAgent()],
      port: 0,
      logger: memoryLogger(),
      publicUrl: "https://agents.example.com/acp/",
    });
    try {
      const card = (await (await fetch(`${single.url}/.well-known/agent-card.json`)).json()) as {
        name: string;
        supportedInterfaces: Array<{ url: string }>;
      };
      expect(card.name).toBe("test.echo");
      expect(card.supportedInterfaces.map((i) => i.url)).toEqual([
        `https://agents.example.com/acp/a2a/${agentIds.echo}/`,
        `https://agents.example.com/acp/a2a/${agentIds.echo}/rest`,
      ]);
    } finally {
      await single.close();
    }
  });

  it("declare the server's key, which every A2A request needs", async () => {
    const keyed = await serveACP({
      agents: [echoAgent()],
      port: 0,
      logger: memoryLogger(),
      apiKey: "a2a-test-key",
    });
    try {
      const cardUrl = `${a2aBase(keyed.url, agentIds.echo)}.well-known/agent-card.json`;
      expect((await fetch(cardUrl)).status).toBe(401);
      const client = await a2aClient(keyed.url, agentIds.echo, "JSONRPC", {
        "x-api-key": "a2a-test-key",
      });
      const card = await client.getAgentCard();
      expect(card.securitySchemes.apiKey?.scheme).toEqual({
        $case: "apiKeySecurityScheme",
        value: { description: "the server's API key", location: "header", name: "x-api-key" },
      });
      const task = asTask(await client.sendMessage(request(userMessage([data({ text: "k" })]))));
      expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      const anonymous = await fetch(a2aBase(keyed.url, agentIds.echo), {
        method: "POST",
        headers: { "content-type": "application/json", "a2a-version": "1.0" },
        body: "{}",
      });
      expect(anonymous.status).toBe(401);
    } finally {
      await keyed.close();
    }
  });

  it("are not served with a2a: false", async () => {
    const off = await serveACP({
      agents: [echoAgent()],
      port: 0,
      logger: memoryLogger(),
      a2a: false,
    });
    try {
      expect((await fetch(`${off.url}/.well-known/agent-card.json`)).status).toBe(404);
      expect(
        (await fetch(`${a2aBase(off.url, agentIds.echo)}.well-known/agent-card.json`)).status,
      ).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe.each(transports)("over %s", (transport) => {
  it("answers a blocking send with the completed task and its values as the artifact", async () => {
    const client = await a2aClient(server.url, agentIds.echo, transport);
    const task = asTask(await client.sendMessage(request(userMessage([data({ text: "hi" })]))));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(outputData(task)).toEqual({ text: "hi", reply: "echo: hi", history: ["hi"] });
    const again = await client.getTask({ tenant: "", id: task.id });
    expect(again.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(again.contextId).toBe(task.contextId);
    expect(outputData(again)).toEqual(outputData(task));
  });

  it("streams the task, its updates, and ends at its final status", async () => {
    const client = await a2aClient(server.url, agentIds.custom, transport);
    const events = await collect(
      client.sendMessageStream(request(userMessage([data({ count: 2 })]))),
    );
    expect(kinds(events)[0]).toBe("task");
    expect(stateOf(events.at(-1) as (typeof events)[number])).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(kinds(events).at(-1)).toBe("statusUpdate");
    // The two custom updates are working statuses with their data.
    const steps = events.flatMap((e) =>
      e.payload?.$case === "statusUpdate" &&
      e.payload.value.status?.state === TaskState.TASK_STATE_WORKING
        ? [e.payload.value.status.message?.parts[0]?.content]
        : [],
    );
    expect(steps).toEqual([
      { $case: "data", value: { step: 1 } },
      { $case: "data", value: { step: 2 } },
    ]);
    const artifacts = events.filter((e) => e.payload?.$case === "artifactUpdate");
    const last = artifacts.at(-1)?.payload;
    expect(last?.$case === "artifactUpdate" && last.value.lastChunk).toBe(true);
  });

  it("takes text into messages, or into the one required string field, else refuses saying why", async () => {
    const chat = await a2aClient(server.url, chatId, transport);
    const chatted = asTask(await chat.sendMessage(request(userMessage([text("hello")]))));
    const parts = chatted.artifacts[0]?.parts.map((p) => p.content);
    expect(parts?.[1]).toEqual({ $case: "text", value: "you said: hello" });
    const echo = await a2aClient(server.url, agentIds.echo, transport);
    const echoed = asTask(await echo.sendMessage(request(userMessage([text("plain text")]))));
    expect(outputData(echoed)).toMatchObject({ reply: "echo: plain text" });
    const plain = await a2aClient(server.url, agentIds.plain, transport);
    const refused = plain.sendMessage(request(userMessage([text("x")])));
    await expect(refused).rejects.toBeInstanceOf(RequestMalformedError);
    await expect(refused).rejects.toThrow(/no "messages" field/);
  });

  it("asks for input with the interrupt's own value and resumes the same task", async () => {
    const client = await a2aClient(server.url, agentIds.interrupt, transport);
    const first = asTask(await client.sendMessage(request(userMessage([data({ topic: "tea" })]))));
    expect(first.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(statusData(first)).toEqual({ interrupt_type: "question", question: "first about tea?" });
    const answer = (value: string) =>
      request(
        userMessage([data({ answer: value })], { taskId: first.id, contextId: first.contextId }),
      );
    const second = asTask(await client.sendMessage(answer("green")));
    expect(second.id).toBe(first.id);
    expect(second.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(statusData(second)).toEqual({ interrupt_type: "question", question: "second?" });
    const done = asTask(await client.sendMessage(answer("hot")));
    expect(done.id).toBe(first.id);
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(outputData(done)).toMatchObject({ answers: ["green", "hot"] });
    // The task has ended: a message to it is refused.
    await expect(client.sendMessage(answer("more"))).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
  });

  it("resumes a stateless agent's task in a stream that ends at its final status", async () => {
    const client = await a2aClient(server.url, approvalId, transport);
    const asked = await collect(
      client.sendMessageStream(request(userMessage([data({ item: "lamp" })]))),
    );
    const last = asked.at(-1) as (typeof asked)[number];
    expect(stateOf(last)).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const status = last.payload?.$case === "statusUpdate" ? last.payload.value : undefined;
    expect(status?.status?.message?.parts[0]?.content).toEqual({
      $case: "data",
      value: { question: "approve lamp?" },
    });
    const taskId = status?.taskId as string;
    // Subscribing to a task that waits for input: the task, then the status it waits in.
    const waiting = await collect(client.resubscribeTask({ tenant: "", id: taskId }));
    expect(kinds(waiting)).toEqual(["task", "statusUpdate"]);
    expect(stateOf(waiting[1] as StreamResponse)).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const resumed = await collect(
      client.sendMessageStream(request(userMessage([data({ approved: true })], { taskId }))),
    );
    expect(kinds(resumed)[0]).toBe("task");
    expect(stateOf(resumed.at(-1) as (typeof resumed)[number])).toBe(
      TaskState.TASK_STATE_COMPLETED,
    );
    const task = await client.getTask({ tenant: "", id: taskId });
    expect(outputData(task)).toEqual({ item: "lamp", verdict: "lamp approved" });
  });

  it("keeps a context across messages for an agent with threads", async () => {
    const client = await a2aClient(server.url, agentIds.echo, transport);
    const first = asTask(await client.sendMessage(request(userMessage([data({ text: "one" })]))));
    const second = asTask(
      await client.sendMessage(
        request(userMessage([data({ text: "two" })], { contextId: first.contextId })),
      ),
    );
    expect(second.contextId).toBe(first.contextId);
    expect(second.id).not.toBe(first.id);
    expect(outputData(second)).toMatchObject({ history: ["one", "two"] });
    const listed = await client.listTasks({
      tenant: "",
      contextId: first.contextId,
      status: TaskState.TASK_STATE_UNSPECIFIED,
      pageToken: "",
      statusTimestampAfter: undefined,
    });
    expect(listed.tasks.map((t) => t.id).sort()).toEqual([first.id, second.id].sort());
    expect(listed.totalSize).toBe(2);
  });

  it("refuses a negative historyLength or a timestamp that is no date-time; lists from statusTimestampAfter on", async () => {
    const client = await a2aClient(server.url, agentIds.echo, transport);
    const task = asTask(await client.sendMessage(request(userMessage([data({ text: "t" })]))));
    const list = (extra: { historyLength?: number; statusTimestampAfter?: string }) =>
      client.listTasks({
        tenant: "",
        contextId: task.contextId,
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageToken: "",
        statusTimestampAfter: undefined,
        ...extra,
      });
    await expect(list({ historyLength: -1 })).rejects.toThrow(/historyLength/);
    await expect(list({ historyLength: -1 })).rejects.toBeInstanceOf(RequestMalformedError);
    await expect(client.getTask({ tenant: "", id: task.id, historyLength: -1 })).rejects.toThrow(
      /historyLength/,
    );
    for (const bad of ["-1", "1", "2026-13-45T00:00:00Z", "yesterday", "2026-05-12"]) {
      const refused = list({ statusTimestampAfter: bad });
      await expect(refused, bad).rejects.toBeInstanceOf(RequestMalformedError);
      await expect(refused, bad).rejects.toThrow(/statusTimestampAfter/);
    }
    const stamp = task.status?.timestamp ?? "";
    expect(stamp).not.toBe("");
    // A task whose status changed at the very time asked for is listed (greater or equal).
    const from = await list({ statusTimestampAfter: stamp });
    expect(from.tasks.map((t) => t.id)).toEqual([task.id]);
    const later = new Date(Date.parse(stamp) + 1).toISOString();
    expect((await list({ statusTimestampAfter: later })).tasks).toEqual([]);
    const withZone = await list({ statusTimestampAfter: "2000-01-01T01:00:00+01:00" });
    expect(withZone.tasks.map((t) => t.id)).toEqual([task.id]);
  });

  it("cancels a working task, and its stream to a subscriber ends canceled", async () => {
    const client = await a2aClient(server.url, agentIds.slow, transport);
    const started = gate.started;
    const task = asTask(
      await client.sendMessage(request(userMessage([data({ text: "wait" })]), true)),
    );
    expect(task.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    await gate.waitForStarted(started + 1);
    // Subscribed (its first event in) before the cancel, which it then sees.
    const subscription = client.resubscribeTask({ tenant: "", id: task.id });
    const first = await subscription.next();
    expect(first.done).toBe(false);
    const cancelled = await client.cancelTask({ tenant: "", id: task.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const events = [first.value as StreamResponse, ...(await collect(subscription))];
    expect(kinds(events)[0]).toBe("task");
    expect(stateOf(events[0] as StreamResponse)).toBe(TaskState.TASK_STATE_WORKING);
    expect(stateOf(events.at(-1) as (typeof events)[number])).toBe(TaskState.TASK_STATE_CANCELED);
    await expect(
      client.cancelTask({ tenant: "", id: task.id, metadata: undefined }),
    ).resolves.toMatchObject({ status: { state: TaskState.TASK_STATE_CANCELED } });
  });

  it("cancels a task that waits for input; it then takes no answer", async () => {
    const client = await a2aClient(server.url, approvalId, transport);
    const asked = asTask(await client.sendMessage(request(userMessage([data({ item: "vase" })]))));
    expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const cancelled = await client.cancelTask({ tenant: "", id: asked.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await expect(
      client.sendMessage(request(userMessage([data({ approved: true })], { taskId: asked.id }))),
    ).rejects.toBeInstanceOf(UnsupportedOperationError);
  });

  it("reports a failed graph as a failed task", async () => {
    const client = await a2aClient(server.url, agentIds.throwing, transport);
    const task = asTask(await client.sendMessage(request(userMessage([data({ text: "x" })]))));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    await expect(
      client.cancelTask({ tenant: "", id: task.id, metadata: undefined }),
    ).rejects.toBeInstanceOf(TaskNotCancelableError);
  });

  it("answers bad requests with the protocol's errors", async () => {
    const client = await a2aClient(server.url, agentIds.interrupt, transport);
    await expect(client.sendMessage(request(userMessage([])))).rejects.toBeInstanceOf(
      RequestMalformedError,
    );
    await expect(
      client.sendMessage(
        request(userMessage([data({ answer: "x" })], { taskId: crypto.randomUUID() })),
      ),
    ).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(client.getTask({ tenant: "", id: "not-a-task" })).rejects.toBeInstanceOf(
      TaskNotFoundError,
    );
    const file = {
      content: { $case: "url" as const, value: "https://example.com/a.png" },
      metadata: undefined,
      filename: "a.png",
      mediaType: "image/png",
    };
    await expect(client.sendMessage(request(userMessage([file])))).rejects.toBeInstanceOf(
      ContentTypeNotSupportedError,
    );
    const asked = asTask(await client.sendMessage(request(userMessage([data({ topic: "x" })]))));
    await expect(
      client.sendMessage(
        request(userMessage([data({ answer: "y" })], { taskId: asked.id, contextId: "another" })),
      ),
    ).rejects.toBeInstanceOf(RequestMalformedError);
    for (const contextId of ["has spaces", "nul\u0000", "x".repeat(200)]) {
      await expect(
        client.sendMessage(request(userMessage([data({ topic: "z" })], { contextId }))),
      ).rejects.toBeInstanceOf(RequestMalformedError);
    }
    // A resume value the agent's resume schema refuses.
    await expect(
      client.sendMessage(request(userMessage([data({ wrong: 1 })], { taskId: asked.id }))),
    ).rejects.toBeInstanceOf(RequestMalformedError);
    const withPush = request(userMessage([data({ topic: "y" })]));
    withPush.configuration.taskPushNotificationConfig = {
      tenant: "",
      id: "",
      taskId: "",
      // Loopback: the server's default webhook policy refuses it.
      url: "http://127.0.0.1:9/hook",
      token: "",
      authentication: undefined,
    } as never;
    await expect(client.sendMessage(withPush)).rejects.toBeInstanceOf(RequestMalformedError);
  });
});

describe("JSON-RPC by hand", () => {
  it("answers malformed requests with JSON-RPC errors on HTTP 200", async () => {
    const notJson = await rawJsonRpc(agentIds.echo, "{not json");
    expect(notJson).toMatchObject({ status: 200, body: { error: { code: -32700 } } });
    const unknown = await rawJsonRpc(
      agentIds.echo,
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "NoSuchMethod", params: {} }),
    );
    expect(unknown).toMatchObject({ status: 200, body: { id: 1, error: { code: -32601 } } });
    const noParams = await rawJsonRpc(
      agentIds.echo,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "SendMessage",
        params: { message: { parts: [] } },
      }),
    );
    expect(noParams).toMatchObject({ status: 200, body: { id: 2, error: { code: -32602 } } });
    const oldVersion = await rawJsonRpc(
      agentIds.echo,
      JSON.stringify({ jsonrpc: "2.0", id: 3, method: "GetTask", params: { id: "x" } }),
      { "a2a-version": "0.3" },
    );
    expect(oldVersion.status).toBe(200);
    expect((oldVersion.body.error as { code: number }).code).toBe(-32009);
    const otherType = await fetch(a2aBase(server.url, agentIds.echo), {
      method: "POST",
      headers: { "content-type": "text/plain", "a2a-version": "1.0" },
      body: "x",
    });
    expect(otherType.status).toBe(200);
    expect(await otherType.json()).toMatchObject({ error: { code: -32005 } });
  });

  it("answers what is no JSON-RPC 2.0 request with Invalid Request, naming what is wrong", async () => {
    const params = { message: { messageId: "m", role: "ROLE_USER", parts: [{ text: "hi" }] } };
    const cases: [unknown, unknown, string][] = [
      [{ jsonrpc: "1.0", id: "a", method: "SendMessage", params }, "a", "jsonrpc"],
      [{ jsonrpc: "2.0", id: 7, params }, 7, "method"],
      [{ jsonrpc: "2.0", id: 8, method: "", params }, 8, "method"],
      [{ jsonrpc: "2.0", id: { bad: "type" }, method: "SendMessage", params }, null, "id"],
      [{ jsonrpc: "2.0", id: 1.5, method: "SendMessage", params }, null, "id"],
      [[{ jsonrpc: "2.0", id: 9, method: "SendMessage", params }], null, "batches"],
      ["SendMessage", null, "object"],
    ];
    for (const [body, id, named] of cases) {
      const answer = await rawJsonRpc(agentIds.echo, JSON.stringify(body));
      expect(answer.status, JSON.stringify(body)).toBe(200);
      expect(answer.body, JSON.stringify(body)).toMatchObject({
        jsonrpc: "2.0",
        id,
        error: { code: -32600, message: expect.stringContaining(named) },
      });
    }
    // Params that are no object stay invalid params; a request without an id is answered.
    const badParams = await rawJsonRpc(
      agentIds.echo,
      JSON.stringify({ jsonrpc: "2.0", id: 4, method: "SendMessage", params: { "": "x" } }),
    );
    expect(badParams.body).toMatchObject({ id: 4, error: { code: -32602 } });
    const noId = await rawJsonRpc(
      agentIds.echo,
      JSON.stringify({ jsonrpc: "2.0", method: "GetTask", params: { id: "missing" } }),
    );
    expect(noId.body).toMatchObject({ id: null, error: { code: -32001 } });
  });

  it("answers a push notification config of an unknown task with TaskNotFound", async () => {
    const params = { taskId: crypto.randomUUID(), url: "https://example.com/hook" };
    const refused = await rawJsonRpc(
      agentIds.echo,
      JSON.stringify({ jsonrpc: "2.0", id: 8, method: "CreateTaskPushNotificationConfig", params }),
    );
    expect(refused).toMatchObject({ status: 200, body: { id: 8, error: { code: -32001 } } });
  });

  it("never answers a malformed request as a server fault", async () => {
    const bodies = [
      { method: "SendMessage", params: { message: 5 } },
      { method: "SendMessage", params: { message: { messageId: "m", parts: [5] } } },
      { method: "SendMessage", params: { message: { messageId: "m", parts: [{ data: 5 }] } } },
      { method: "SendMessage", params: { message: { messageId: "m", taskId: "x", parts: [] } } },
      { method: "SendStreamingMessage", params: { message: { messageId: "m", metadata: 5 } } },
      { method: "GetTask", params: { id: 5 } },
      { method: "GetTask", params: { id: "" } },
      { method: "CancelTask", params: { id: crypto.randomUUID() } },
      { method: "SubscribeToTask", params: { id: "nope" } },
      { method: "ListTasks", params: { pageSize: 1000 } },
      { method: "ListTasks", params: { pageToken: "not-a-token" } },
      { method: "GetExtendedAgentCard" },
    ];
    for (const [i, body] of bodies.entries()) {
      const answer = await rawJsonRpc(
        agentIds.echo,
        JSON.stringify({ jsonrpc: "2.0", id: i, ...body }),
      );
      expect(answer.status, JSON.stringify(body)).toBe(200);
      const error = answer.body.error as { code: number } | undefined;
      expect(error?.code, JSON.stringify(body)).not.toBe(-32603);
      expect(error, JSON.stringify(body)).toBeDefined();
    }
  });

  it("answers 404 for an agent the server does not have", async () => {
    const response = await rawJsonRpc("no-such-agent", "{}");
    expect(response.status).toBe(404);
  });
});

describe("streams by hand", () => {
  it("send keep-alive comments while idle, and let a client leave", async () => {
    const idleGate = createGate();
    const idle = await serveACP({
      agents: [slowAgent(idleGate)],
      port: 0,
      logger: memoryLogger(),
      keepAliveMs: 20,
    });
    try {
      const client = await a2aClient(idle.url, agentIds.slow);
      const task = asTask(
        await client.sendMessage(request(userMessage([data({ text: "idle" })]), true)),
      );
      const response = await fetch(a2aBase(idle.url, agentIds.slow), {
        method: "POST",
        headers: { "content-type": "application/json", "a2a-version": "1.0" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "SubscribeToTask",
          params: { id: task.id },
        }),
      });
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let seen = "";
      while (!seen.includes(": keep-alive\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += decoder.decode(value, { stream: true });
      }
      expect(seen).toMatch(/^data: \{"jsonrpc":"2.0","id":1,"result":\{"task":/);
      expect(seen).toContain(": keep-alive\n");
      await reader.cancel();
      // The task goes on without the client that left, and ends when its graph does.
      idleGate.release();
      const done = await vi.waitUntil(
        async () => {
          const read = await client.getTask({ tenant: "", id: task.id });
          return read.status?.state === TaskState.TASK_STATE_COMPLETED ? read : undefined;
        },
        { timeout: 15_000, interval: 20 },
      );
      expect(outputData(done)).toMatchObject({ reply: "done: idle" });
    } finally {
      idleGate.release();
      await idle.close();
    }
  });
});

describe("HTTP+JSON by hand", () => {
  const rest = (path: string, init: RequestInit = {}) =>
    fetch(`${a2aBase(server.url, agentIds.echo)}rest${path}`, {
      ...init,
      headers: { "a2a-version": "1.0", "content-type": "application/json", ...init.headers },
    });

  it("answers malformed requests with the binding's error bodies, never a server fault", async () => {
    const cases: Array<[string, RequestInit, number]> = [
      ["/message:send", { method: "POST", body: "{oops" }, 400],
      ["/message:send", { method: "POST", body: JSON.stringify({ message: { parts: [] } }) }, 400],
      [`/tasks/${crypto.randomUUID()}`, {}, 404],
      [`/tasks/${crypto.randomUUID()}:cancel`, { method: "POST" }, 404],
      ["/tasks?pageSize=abc", {}, 400],
      ["/no-such-operation", {}, 404],
    ];
    for (const [path, init, status] of cases) {
      const response = await rest(path, init);
      expect(response.status, path).toBe(status);
      const body = (await response.json()) as { error?: { code: number; message: string } };
      expect(body.error?.code, path).toBe(status);
    }
    const plain = await rest("/message:send", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "x",
    });
    expect(plain.status).toBeLessThan(500);
    expect(((await plain.json()) as { error: { status: string } }).error.status).toBeDefined();
  });

  it("lists tasks with every field A2A requires, empty ones too", async () => {
    const none = await rest(`/tasks?contextId=${crypto.randomUUID()}`);
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ tasks: [], nextPageToken: "", pageSize: 50, totalSize: 0 });
    const sent = await rest("/message:send", {
      method: "POST",
      body: JSON.stringify({
        message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "x" }] },
      }),
    });
    const { task } = (await sent.json()) as { task: { id: string; contextId: string } };
    const listed = (await (
      await rest(`/tasks?contextId=${task.contextId}&pageSize=1&includeArtifacts=true`)
    ).json()) as Record<string, unknown>;
    expect(listed).toMatchObject({ nextPageToken: "", pageSize: 1, totalSize: 1 });
    expect(listed.tasks).toEqual([
      expect.objectContaining({ id: task.id, artifacts: expect.any(Array) }),
    ]);
  });
});

describe("one run, two protocols", () => {
  it("shows a run created over ACP as a task, and a task as an ACP run", async () => {
    const created = await fetch(`${server.url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: agentIds.echo, input: { text: "from acp" } }),
    });
    const { run } = (await created.json()) as { run: { run_id: string } };
    const client = await a2aClient(server.url, agentIds.echo);
    const task = await client.getTask({ tenant: "", id: run.run_id });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(outputData(task)).toMatchObject({ reply: "echo: from acp" });
    // Another agent's run is no task of this agent.
    const other = await a2aClient(server.url, agentIds.plain);
    await expect(other.getTask({ tenant: "", id: run.run_id })).rejects.toBeInstanceOf(
      TaskNotFoundError,
    );

    const sent = asTask(
      await client.sendMessage(request(userMessage([data({ text: "from a2a" })]))),
    );
    const acp = await fetch(`${server.url}/threads/${sent.contextId}/runs/${sent.id}`);
    expect(acp.status).toBe(200);
    expect(await acp.json()).toMatchObject({
      run_id: sent.id,
      thread_id: sent.contextId,
      agent_id: agentIds.echo,
      status: "success",
    });
  });
});
