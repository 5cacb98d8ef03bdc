import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { IOMappingAgent, type IOMappingAgentMetadata } from "../../src/langgraph/index.js";
import { usesStructuredOutput } from "../../src/langgraph/io-mapper/llm-call.js";
import { type OpenAIEndpoint, startOpenAIEndpoint } from "../helpers/openai-endpoint.js";

const metadata: IOMappingAgentMetadata = {
  inputFields: ["source.text"],
  outputFields: ["target.title"],
  outputSchema: {
    type: "object",
    properties: {
      target: { type: "object", properties: { title: { type: "string", maxLength: 20 } } },
    },
  },
};
const state = { source: { text: "A long story about schemas" } };
const answer = JSON.stringify({ target: { title: "Schemas" } });

describe("how the mapper talks to chat models", () => {
  let endpoint: OpenAIEndpoint;
  let warnings: string[];
  const logger = { warn: (message: string) => warnings.push(message) };
  const chat = () =>
    new ChatOpenAI({
      apiKey: "test",
      configuration: { baseURL: endpoint.url },
      model: "x",
      maxRetries: 0,
    });

  beforeAll(async () => {
    endpoint = await startOpenAIEndpoint();
  });
  afterAll(async () => {
    await endpoint.close();
  });
  beforeEach(() => {
    endpoint.reset();
    warnings = [];
  });

  it("uses JSON mode for real models and plain text for fake ones", () => {
    expect(usesStructuredOutput(chat(), "auto")).toBe(true);
    expect(usesStructuredOutput(new FakeListChatModel({ responses: [] }), "auto")).toBe(false);
    expect(usesStructuredOutput(chat(), false)).toBe(false);
  });

  it("sends no response_format when structured output is off, and reads JSON out of prose", async () => {
    endpoint.reply(`Here it is:\n\`\`\`json\n${answer}\n\`\`\``);
    const agent = new IOMappingAgent({ metadata, llm: chat(), structuredOutput: false });
    await expect(agent.langgraphNode(state)).resolves.toEqual({ target: { title: "Schemas" } });
    expect(endpoint.requests[0]!.response_format).toBeUndefined();
  });

  it("falls back to plain text, with a warning, when the model rejects JSON mode", async () => {
    endpoint.reply({ error: { status: 400, message: "response_format is not supported" } }, answer);
    const llm = chat();
    const agent = new IOMappingAgent({ metadata, llm, logger, name: "titler" });
    await expect(agent.langgraphNode(state)).resolves.toEqual({ target: { title: "Schemas" } });
    expect(endpoint.calls).toBe(2);
    expect(endpoint.requests[0]!.response_format?.type).toBe("json_schema");
    expect(endpoint.requests[1]!.response_format).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('I/O mapper "titler": structured output failed');
    expect(warnings[0]).not.toContain("test");
    // the model is remembered: no second attempt at JSON mode
    endpoint.reply(answer);
    await agent.langgraphNode(state);
    expect(endpoint.requests[2]!.response_format).toBeUndefined();
  });

  it("reads tool-call arguments when the model answers with a tool call", async () => {
    endpoint.reply({ toolCall: { name: "io_mapping", arguments: answer } });
    const agent = new IOMappingAgent({ metadata, llm: chat() });
    await expect(agent.langgraphNode(state)).resolves.toEqual({ target: { title: "Schemas" } });
  });

  it("does not retry an HTTP error of the model as a mapping problem", async () => {
    endpoint.reply({ error: { status: 401, message: "bad key" } });
    const agent = new IOMappingAgent({ metadata, llm: chat(), structuredOutput: false });
    await expect(agent.langgraphNode(state)).rejects.toThrow(/bad key/);
    expect(endpoint.calls).toBe(1);
  });

  it("passes on an auth error in JSON mode instead of falling back to plain text", async () => {
    endpoint.reply({ error: { status: 401, message: "bad key" } }, answer);
    const agent = new IOMappingAgent({ metadata, llm: chat(), logger });
    await expect(agent.langgraphNode(state)).rejects.toThrow(/bad key/);
    expect(endpoint.calls).toBe(1);
    expect(warnings).toEqual([]);
  });
});
