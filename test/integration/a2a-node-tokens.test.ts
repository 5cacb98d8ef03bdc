/**
 * A remote model's tokens through A2ANode, over real HTTP: this project's server serves
 * an agent that streams LangGraph's modes over A2A, whose streamed task appends its
 * model's reply to the `tokens` artifact; the parent graph's `messages` stream and
 * `streamEvents` show them as the chunks of a chat model run of the calling node.
 */
import type { AIMessageChunk } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2ANode } from "../../src/langgraph/index.js";
import { deriveAgentId, type RunningACPServer, serveACP } from "../../src/server/index.js";
import { a2aBase } from "../helpers/a2a-server-agents.js";
import { memoryLogger } from "../helpers/server.js";
import { talkerAgent } from "../helpers/token-agents.js";

const REPLY = "tokens come one by one";
const talker = deriveAgentId("a2anode.talker", "1.0.0");

/** Lets the remote node end only once the parent has seen its first token. */
let firstTokenSeen: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();

let server: RunningACPServer;

beforeAll(async () => {
  server = await serveACP({
    agents: [
      talkerAgent({
        name: "a2anode.talker",
        model: () => new FakeListChatModel({ responses: [REPLY] }),
        hold: () => gate,
        streamLangGraph: true,
      }),
    ],
    port: 0,
    hostname: "127.0.0.1",
    logger: memoryLogger(),
  });
});

afterAll(async () => {
  await server?.close();
});

const State = Annotation.Root({ request: Annotation<unknown>, result: Annotation<unknown> });

async function parentGraph() {
  const node = await A2ANode.fromCardUrl(a2aBase(server.url, talker), {
    name: "remote",
    inputPath: "request",
    outputPath: "result",
  });
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile();
}

describe("a remote model's tokens through A2ANode", () => {
  it("come on the parent's messages stream in order, attributed to the calling node, before the remote task ends", async () => {
    gate = new Promise<void>((resolve) => {
      firstTokenSeen = resolve;
    });
    const graph = await parentGraph();
    const tokens: Array<[AIMessageChunk, Record<string, unknown>]> = [];
    for await (const chunk of await graph.stream(
      { request: { text: "hi" } },
      { streamMode: "messages" },
    )) {
      tokens.push(chunk as [AIMessageChunk, Record<string, unknown>]);
      // The remote node waits for this: without a token before its end, this test hangs.
      firstTokenSeen();
    }
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map(([m]) => m.content).join("")).toBe(REPLY);
    expect(tokens.every(([m]) => m.constructor.name === "AIMessageChunk")).toBe(true);
    expect(tokens.every(([, meta]) => meta.langgraph_node === "remote")).toBe(true);
    expect(new Set(tokens.map(([m]) => m.id)).size).toBe(1);
    expect(tokens[0]?.[1].a2a_task_id).toEqual(expect.any(String));
  });

  it("come in streamEvents v2 as on_chat_model_stream of the calling node, and the output is the task's", async () => {
    gate = Promise.resolve();
    const graph = await parentGraph();
    const text: string[] = [];
    let output: unknown;
    for await (const event of graph.streamEvents({ request: { text: "hi" } }, { version: "v2" })) {
      if (event.event === "on_chat_model_stream") {
        expect(event.metadata?.langgraph_node).toBe("remote");
        text.push(String((event.data.chunk as AIMessageChunk).content));
      }
      if (event.event === "on_chain_end" && event.name === "LangGraph") output = event.data.output;
    }
    expect(text.join("")).toBe(REPLY);
    expect(output).toMatchObject({ result: { text: "hi", reply: REPLY } });
  });
});
