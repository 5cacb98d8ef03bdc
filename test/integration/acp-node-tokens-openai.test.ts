/**
 * A remote `ChatOpenAI`'s tokens in the parent graph's `messages` stream, over real
 * HTTP end to end: a local OpenAI-compatible endpoint streams chat-completion chunks to
 * the agent's model, the agent's server streams them as LangGraph envelopes, and the
 * parent's ACPNode yields them as message chunks of its own node.
 */
import type { AIMessageChunk } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient } from "../../src/client/acp-client.js";
import { deriveAgentId, type RunningACPServer, serveACP } from "../../src/server/index.js";
import { remoteJobGraph } from "../helpers/acp-node-parent.js";
import { type OpenAIEndpoint, startOpenAIEndpoint } from "../helpers/openai-endpoint.js";
import { talkerAgent } from "../helpers/token-agents.js";

const TOKENS = ["Stream", "ed", " by", " a", " local", " endpoint"];

let endpoint: OpenAIEndpoint;
let server: RunningACPServer;
let client: ACPClient;

beforeAll(async () => {
  endpoint = await startOpenAIEndpoint({ responder: () => ({ tokens: TOKENS }) });
  server = await serveACP({
    agents: [
      talkerAgent({
        name: "acpnode.openai-talker",
        model: () =>
          new ChatOpenAI({
            apiKey: "test",
            model: "local",
            maxRetries: 0,
            configuration: { baseURL: endpoint.url },
          }),
        streamLangGraph: true,
      }),
    ],
    port: 0,
    hostname: "127.0.0.1",
    logger: { warn: () => undefined },
  });
  client = new ACPClient({ configuration: { host: server.url } });
});

afterAll(async () => {
  await client.close();
  await server.close();
  await endpoint.close();
});

describe("a remote ChatOpenAI's tokens through ACPNode", () => {
  it("come on the parent's messages stream as the endpoint streamed them, in order", async () => {
    const parent = remoteJobGraph({
      agentId: deriveAgentId("acpnode.openai-talker", "1.0.0"),
      client,
    });
    const chunks: Array<[AIMessageChunk, Record<string, unknown>]> = [];
    for await (const chunk of await parent.stream(
      { job: { input: { text: "hi" } } },
      { streamMode: "messages" },
    )) {
      chunks.push(chunk as [AIMessageChunk, Record<string, unknown>]);
    }
    const texts = chunks.map(([m]) => m.content).filter((c) => c !== "");
    expect(texts).toEqual(TOKENS);
    expect(chunks.every(([, meta]) => meta.langgraph_node === "remote")).toBe(true);
    expect(endpoint.requests.at(-1)?.stream).toBe(true);
  });
});
