/**
 * The model's tokens in an A2A stream, through `@a2a-js/sdk`'s client over real HTTP:
 * a streaming task of an agent that streams LangGraph's modes carries its model's reply
 * as it comes, appended piece by piece to the `tokens` artifact (text parts), before the
 * output artifact and the final status; a blocking send asks for none, and an agent
 * that does not stream LangGraph's modes sends none.
 */
import type { StreamResponse, TaskArtifactUpdateEvent } from "@a2a-js/sdk";
import { TaskState } from "@a2a-js/sdk";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveAgentId, type RunningACPServer, serveACP } from "../../src/server/index.js";
import {
  a2aClient,
  asTask,
  collect,
  data,
  request,
  stateOf,
  transports,
  userMessage,
} from "../helpers/a2a-server-agents.js";
import { memoryLogger } from "../helpers/server.js";
import { talkerAgent } from "../helpers/token-agents.js";

const REPLY = "tokens come one by one";

/** An agent whose one node asks a fake chat model, which streams its reply a character at a time. */
function talker(name: string, streamLangGraph: boolean) {
  return talkerAgent({
    name,
    model: () => new FakeListChatModel({ responses: [REPLY] }),
    streamLangGraph,
  });
}

const streams = deriveAgentId("a2a.tokens", "1.0.0");
const quiet = deriveAgentId("a2a.no-tokens", "1.0.0");
const logger = memoryLogger();
let server: RunningACPServer;

beforeAll(async () => {
  server = await serveACP({
    agents: [talker("a2a.tokens", true), talker("a2a.no-tokens", false)],
    port: 0,
    hostname: "127.0.0.1",
    logger,
  });
});
afterAll(async () => {
  await server?.close();
  expect(logger.lines).toEqual([]);
});

/** The artifact updates of a stream for artifact `id`. */
function updatesOf(events: StreamResponse[], id: string): TaskArtifactUpdateEvent[] {
  return events.flatMap((e) =>
    e.payload?.$case === "artifactUpdate" && e.payload.value.artifact?.artifactId === id
      ? [e.payload.value]
      : [],
  );
}

/** The text of an artifact update's parts. */
function textOf(update: TaskArtifactUpdateEvent): string {
  return (update.artifact?.parts ?? [])
    .map((p) => (p.content?.$case === "text" ? p.content.value : ""))
    .join("");
}

describe("the model's tokens over A2A", () => {
  for (const transport of transports) {
    it(`stream as appended text parts of the tokens artifact (${transport})`, async () => {
      const client = await a2aClient(server.url, streams, transport);
      const events = await collect(
        client.sendMessageStream(request(userMessage([data({ text: "hello" })]))),
      );
      const tokens = updatesOf(events, "tokens");
      expect(tokens.length).toBeGreaterThan(1);
      expect(tokens.every((t) => t.append && !t.lastChunk)).toBe(true);
      expect(tokens.map(textOf).join("")).toBe(REPLY);
      expect(tokens.every((t) => t.artifact?.parts.length === 1)).toBe(true);
      // The tokens come before the output, and the stream ends with the task completed.
      const lastToken = events.findLastIndex(
        (e) =>
          e.payload?.$case === "artifactUpdate" &&
          e.payload.value.artifact?.artifactId === "tokens",
      );
      const output = events.findIndex(
        (e, i) =>
          i > lastToken &&
          e.payload?.$case === "artifactUpdate" &&
          e.payload.value.artifact?.artifactId === "output" &&
          e.payload.value.lastChunk,
      );
      expect(output).toBeGreaterThan(lastToken);
      expect(stateOf(events.at(-1) as StreamResponse)).toBe(TaskState.TASK_STATE_COMPLETED);
      // No LangGraph envelope reaches the client as a status message.
      expect(JSON.stringify(events)).not.toContain('"langgraph"');
    });
  }

  it("are not asked for by a blocking send", async () => {
    const client = await a2aClient(server.url, streams);
    const task = asTask(await client.sendMessage(request(userMessage([data({ text: "hi" })]))));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.artifacts.map((a) => a.artifactId)).toEqual(["output"]);
    // Seen over ACP, its run asked for no LangGraph stream mode.
    const run = (await fetch(`${server.url}/runs/${task.id}`).then((r) => r.json())) as {
      creation: { config?: unknown };
    };
    expect(run.creation.config).toBeUndefined();
  });

  it("are asked for, over ACP's run config, by a streaming send only", async () => {
    const client = await a2aClient(server.url, streams);
    const events = await collect(
      client.sendMessageStream(request(userMessage([data({ text: "hello" })]))),
    );
    const taskId = events[0]?.payload?.$case === "task" ? events[0].payload.value.id : "";
    const run = (await fetch(`${server.url}/runs/${taskId}`).then((r) => r.json())) as {
      creation: { config?: unknown };
    };
    expect(run.creation.config).toEqual({ configurable: { langgraph_stream_mode: ["messages"] } });
  });

  it("are not sent by an agent that does not stream LangGraph's modes", async () => {
    const client = await a2aClient(server.url, quiet);
    const events = await collect(
      client.sendMessageStream(request(userMessage([data({ text: "hello" })]))),
    );
    expect(updatesOf(events, "tokens")).toEqual([]);
    expect(stateOf(events.at(-1) as StreamResponse)).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});
