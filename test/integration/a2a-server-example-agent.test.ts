/**
 * The echo example agent over A2A, as a conformance kit meets it: a text part
 * becomes a LangChain message of the kind its input schema asks for (`type: "human"`),
 * and a task read back has a history that starts with the user's message.
 */
import { Role, TaskState } from "@a2a-js/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agents } from "../../examples/echo/agents.js";
import { deriveAgentId, type RunningACPServer, serveACP } from "../../src/server/index.js";
import { a2aClient, asTask, request, text, userMessage } from "../helpers/a2a-server-agents.js";

let server: RunningACPServer;
let echoId: string;

beforeAll(async () => {
  server = await serveACP({ agents, port: 0, hostname: "127.0.0.1" });
  const { name, version } = agents[0]!.descriptor.metadata.ref;
  echoId = deriveAgentId(name, version);
});

afterAll(async () => {
  await server?.close();
});

describe("the echo example agent over A2A", () => {
  it("takes a text part as a human message and answers it", async () => {
    const client = await a2aClient(server.url, echoId);
    const task = asTask(await client.sendMessage(request(userMessage([text("hi")]))));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const reply = task.artifacts[0]?.parts.find((p) => p.content?.$case === "text");
    expect(reply?.content).toEqual({ $case: "text", value: "Echo: hi" });
  });

  it("reads a task back with the user's message first in its history", async () => {
    const client = await a2aClient(server.url, echoId);
    const sent = asTask(await client.sendMessage(request(userMessage([text("again")]))));
    const task = await client.getTask({ tenant: "", id: sent.id, historyLength: 5 });
    const first = task.history[0];
    expect(first?.role).toBe(Role.ROLE_USER);
    expect(first?.taskId).toBe(sent.id);
    expect(first?.parts[0]?.content).toEqual({
      $case: "data",
      value: { messages: [{ type: "human", content: "again" }] },
    });
  });
});
