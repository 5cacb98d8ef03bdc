/**
 * A remote model's tokens in the parent graph's own streams, over real HTTP: agents
 * served with `streamLangGraph` whose node asks `@langchain/core`'s fake chat model,
 * which streams its reply a character at a time, or `ChatOpenAI` against a local
 * OpenAI-compatible endpoint that streams chat-completion chunks.
 */
import type { AIMessageChunk } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient } from "../../src/client/acp-client.js";
import { deriveAgentId, type RunningACPServer, serveACP } from "../../src/server/index.js";
import { remoteJobGraph } from "../helpers/acp-node-parent.js";
import { type OpenAIEndpoint, startOpenAIEndpoint } from "../helpers/openai-endpoint.js";
import { talkerAgent, tokenAgent } from "../helpers/token-agents.js";

const REPLY = "tokens come one by one";
/** The pieces the local OpenAI-compatible endpoint streams its reply in. */
const OPENAI_TOKENS = ["Stream", "ed", " by", " a", " local", " endpoint"];

/** Lets the remote node end only once the parent has seen its first token. */
let firstTokenSeen: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();

let endpoint: OpenAIEndpoint;
let server: RunningACPServer;
let client: ACPClient;

beforeAll(async () => {
  endpoint = await startOpenAIEndpoint({ responder: () => ({ tokens: OPENAI_TOKENS }) });
  server = await serveACP({
    agents: [
      talkerAgent({
        name: "acpnode.talker",
        model: () => new FakeListChatModel({ responses: [REPLY] }),
        hold: () => gate,
        streamLangGraph: true,
      }),
      tokenAgent({
        name: "acpnode.token-agent",
        model: () => new FakeListChatModel({ responses: [REPLY] }),
        streamLangGraph: true,
      }),
      talkerAgent({
        name: "acpnode.openai-talker",
        model: () =>
          new ChatOpenAI({
            apiKey: "test",
            model: "local",
            maxRetries: 0,
            configuration: { baseURL: endpoint.url },
          }),
        hold: () => gate,
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

function parentGraph() {
  return remoteJobGraph({ agentId: deriveAgentId("acpnode.talker", "1.0.0"), client });
}

function closeGate(): void {
  gate = new Promise<void>((resolve) => {
    firstTokenSeen = resolve;
  });
}

describe("a remote model's tokens in the parent's streams", () => {
  it("come on the parent's messages stream in order, attributed to the calling node, before the remote run ends", async () => {
    closeGate();
    const tokens: Array<[AIMessageChunk, Record<string, unknown>]> = [];
    for await (const chunk of await parentGraph().stream(
      { job: { input: { text: "hi" } } },
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
    expect(tokens[0]?.[1].acp_remote_node).toBe("talk");
  });

  it("come in streamEvents v2 as on_chat_model_stream of the calling node", async () => {
    gate = Promise.resolve();
    const text: string[] = [];
    for await (const event of parentGraph().streamEvents(
      { job: { input: { text: "hi" } } },
      { version: "v2" },
    )) {
      if (event.event === "on_chat_model_stream") {
        expect(event.metadata?.langgraph_node).toBe("remote");
        text.push(String((event.data.chunk as AIMessageChunk).content));
      }
    }
    expect(text.join("")).toBe(REPLY);
  });

  it("and the remote nodes' updates come under the node's namespace with subgraphs: true", async () => {
    gate = Promise.resolve();
    const chunks: Array<[string[], string, unknown]> = [];
    for await (const chunk of await parentGraph().stream(
      { job: { input: { text: "hi" } } },
      { streamMode: ["updates"], subgraphs: true },
    )) {
      chunks.push(chunk as [string[], string, unknown]);
    }
    const remote = chunks.filter(([ns]) => ns.length > 0);
    expect(remote).toHaveLength(1);
    expect(remote[0]?.[0][0]).toMatch(/^remote:/);
    expect(remote[0]?.[2]).toEqual({ talk: { reply: REPLY } });
    expect(chunks.at(-1)).toEqual([
      [],
      "updates",
      { remote: { job: { input: { text: "hi" }, output: { text: "hi", reply: REPLY } } } },
    ]);
  });

  it("and a remote subgraph's updates come under the node's namespace, then the subgraph's own", async () => {
    const parent = remoteJobGraph({
      agentId: deriveAgentId("acpnode.token-agent", "1.0.0"),
      client,
    });
    const remote: Array<[string[], unknown]> = [];
    for await (const chunk of await parent.stream(
      { job: { input: { text: "hi" } } },
      { streamMode: ["updates"], subgraphs: true },
    )) {
      const [ns, , data] = chunk as [string[], string, unknown];
      if (ns.length > 0) remote.push([ns, data]);
    }
    expect(remote.map(([ns]) => ns.map((segment) => segment.split(":")[0]))).toEqual([
      ["remote"],
      ["remote", "inner"],
      ["remote"],
    ]);
    expect(remote.map(([, data]) => Object.keys(data as object)[0])).toEqual([
      "prep",
      "talk",
      "inner",
    ]);
    expect(remote[1]?.[1]).toEqual({ talk: { reply: REPLY } });
  });

  it("are not asked for when the parent's stream does not show them", async () => {
    gate = Promise.resolve();
    const talker = deriveAgentId("acpnode.talker", "1.0.0");
    /** What the remote runs the parent's call created asked of the agent. */
    const askedBy = async (call: () => Promise<unknown>) => {
      const before = await client.searchStatelessRuns({ agent_id: talker, limit: 1000 });
      await call();
      const runs = await client.searchStatelessRuns({ agent_id: talker, limit: 1000 });
      const created = runs.filter((r) => !before.some((b) => b.run_id === r.run_id));
      expect(created).toHaveLength(1);
      return created[0]?.creation.config?.configurable;
    };
    const drain = async (stream: AsyncIterable<unknown>) => {
      for await (const _ of stream);
    };
    const input = { job: { input: { text: "hi" } } };
    expect(await askedBy(() => parentGraph().invoke(input))).toBeUndefined();
    // Neither custom and values, nor updates without subgraphs, show the remote tokens or updates.
    expect(
      await askedBy(async () =>
        drain(await parentGraph().stream(input, { streamMode: ["custom", "values"] })),
      ),
    ).toBeUndefined();
    expect(
      await askedBy(async () =>
        drain(await parentGraph().stream(input, { streamMode: "updates" })),
      ),
    ).toBeUndefined();
    // What a parent's stream shows is asked, and only that.
    expect(
      await askedBy(async () =>
        drain(await parentGraph().stream(input, { streamMode: "updates", subgraphs: true })),
      ),
    ).toEqual({ langgraph_stream_mode: ["updates"] });
  });
});

describe("a remote ChatOpenAI's tokens through ACPNode", () => {
  it("come on the parent's messages stream as the endpoint streamed them, in order, before the remote run ends", async () => {
    closeGate();
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
      // The remote node waits for this: without a token before its end, this test hangs.
      firstTokenSeen();
    }
    const texts = chunks.map(([m]) => m.content).filter((c) => c !== "");
    expect(texts).toEqual(OPENAI_TOKENS);
    expect(chunks.every(([, meta]) => meta.langgraph_node === "remote")).toBe(true);
    expect(endpoint.requests.at(-1)?.stream).toBe(true);
  });
});
