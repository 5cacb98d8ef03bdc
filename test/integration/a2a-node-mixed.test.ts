/**
 * One graph over both protocols: an ACP agent served by this project's server and A2A
 * agents served by `@a2a-js/sdk`, joined by the I/O mapper (a model in one direction,
 * JSONPath in the other), with an A2A input request paused and resumed in the middle.
 */
import type { BaseMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  A2ANode,
  ACPNode,
  addIoMappedEdge,
  type IOMappableNode,
  nodeStateSchema,
} from "../../src/langgraph/index.js";
import { type A2AAgents, startA2AAgents } from "../helpers/a2a-agents.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";

/** A fake chat model that keeps the messages of every call. */
class RecordingChatModel extends FakeListChatModel {
  prompts: BaseMessage[][] = [];

  override async _generate(messages: BaseMessage[], options?: this["ParsedCallOptions"]) {
    this.prompts.push(messages);
    return super._generate(messages, options);
  }
}

const State = Annotation.Root({
  first: Annotation<Record<string, unknown>>,
  a2a: Annotation<Record<string, unknown>>,
  last: Annotation<Record<string, unknown>>,
});

/** The value of the first interrupt a graph paused on. */
function questionOf(out: unknown): unknown {
  return (out as { __interrupt__?: { value: unknown }[] }).__interrupt__?.[0]?.value;
}

let acp: TestACPServer;
let agents: A2AAgents;

beforeAll(async () => {
  acp = await startACPServer();
  agents = await startA2AAgents();
});

afterAll(async () => {
  acp?.gate.release();
  await acp?.close();
  await agents?.close();
});

function acpEcho(name: string, at: "first" | "last") {
  return new ACPNode({
    name,
    agentId: agentIds.echo,
    clientConfig: { host: acp.url },
    inputPath: `${at}.input`,
    outputPath: `${at}.output`,
    streamMode: [],
  });
}

describe("ACP and A2A agents in one graph", () => {
  it("A2ANode gives the mapper its schemas from the card", async () => {
    const asker = await A2ANode.fromCardUrl(agents.baseUrl("asker"), {
      name: "asker",
      inputPath: "a2a.input",
      outputPath: "a2a.output",
    });
    const mappable: IOMappableNode = asker;
    expect(nodeStateSchema(mappable, "input")).toMatchObject({
      type: "object",
      properties: {
        a2a: {
          type: "object",
          properties: { input: { type: "object", required: ["topic"] } },
        },
      },
    });
    expect(JSON.stringify(nodeStateSchema(mappable, "output"))).toContain('"colour"');
  });

  it("runs ACP -> model mapper -> A2A (asks, is answered) -> JSONPath mapper -> ACP", async () => {
    const first = acpEcho("opener", "first");
    const asker = await A2ANode.fromCardUrl(agents.baseUrl("asker"), {
      name: "asker",
      inputPath: "a2a.input",
      outputPath: "a2a.output",
    });
    const last = acpEcho("closer", "last");
    const llm = new RecordingChatModel({
      responses: [JSON.stringify({ a2a: { input: { topic: "echo: a party" } } })],
    });
    const builder = new StateGraph(State)
      .addNode(first.getName(), first)
      .addNode(asker.getName(), asker)
      .addNode(last.getName(), last)
      .addEdge(START, first.getName())
      .addEdge(last.getName(), END);
    addIoMappedEdge(
      builder,
      first,
      asker,
      { outputDescriptionPrompt: "The topic is the echo's reply." },
      llm,
    );
    addIoMappedEdge(builder, asker, last, {
      fieldMapping: { "last.input.text": "$.a2a.output.name" },
    });
    const graph = builder.compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "mixed" } };

    const paused = await graph.invoke({ first: { input: { text: "a party" } } }, config);
    expect(questionOf(paused)).toEqual({ question: "Which name?" });
    const again = await graph.invoke(new Command({ resume: "Ada" }), config);
    expect(questionOf(again)).toBe("Which colour?");
    const done = await graph.invoke(new Command({ resume: "teal" }), config);

    expect(done.first.output).toMatchObject({ reply: "echo: a party" });
    expect(done.a2a.input).toEqual({ topic: "echo: a party" });
    expect(done.a2a.output).toEqual({
      topic: { topic: "echo: a party" },
      name: "Ada",
      colour: "teal",
    });
    expect(done.last.input).toEqual({ text: "Ada" });
    expect(done.last.output).toMatchObject({ reply: "echo: Ada" });

    // The model was asked once, with the ACP agent's data and the A2A card's input schema.
    expect(llm.prompts).toHaveLength(1);
    const user = String(llm.prompts[0]![1]!.content);
    expect(user).toContain("echo: a party");
    expect(user).toContain('"topic"');
    // The A2A agent got the mapped input, then both answers, on one task.
    expect(agents.records.inputs.asker?.slice(-3)).toEqual([
      { topic: "echo: a party" },
      "Ada",
      "teal",
    ]);
  });
});
