import { Annotation, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiClientConfiguration } from "../../src/client/configuration.js";
import { ACPRunException } from "../../src/core/errors.js";
import { ACPNode } from "../../src/langgraph/acp-node.js";
import { NodeStateError } from "../../src/langgraph/node-errors.js";
import { type ACPNodeAgents, FAILURE, startACPNodeAgents } from "../helpers/acp-node-agents.js";

const API_KEY = "acp-node-test-key";

let agents: ACPNodeAgents;
let clientConfig: ApiClientConfiguration;

beforeAll(async () => {
  agents = await startACPNodeAgents(API_KEY);
  clientConfig = new ApiClientConfiguration({ host: agents.url, apiKey: { "x-api-key": API_KEY } });
});

afterAll(async () => {
  await agents.close();
});

const MailInput = z.object({ topic: z.string() });
const MailOutput = z.object({ topic: z.string(), draft: z.string() });
const MailConfig = z.object({ signature: z.string() });
const Review = z.object({ approved: z.boolean(), notes: z.string() });

function writerNode() {
  return new ACPNode({
    name: "writer",
    agentId: agents.ids.writer,
    clientConfig,
    inputPath: "mail.writer.input",
    inputType: MailInput,
    outputPath: "mail.writer.output",
    outputType: MailOutput,
    configPath: "mail",
    configType: MailConfig,
  });
}

function reviewerNode() {
  return new ACPNode({
    name: "reviewer",
    agentId: agents.ids.reviewer,
    clientConfig,
    inputPath: "mail.writer.output",
    outputPath: "review",
    outputType: Review,
  });
}

const MailState = Annotation.Root({
  mail: Annotation<Record<string, unknown>>,
  review: Annotation<z.infer<typeof Review>>,
  untouched: Annotation<string>,
});

/** A graph of the mail state with `node` as its only node. */
function oneNodeGraph(node: ACPNode, options?: { checkpointer: MemorySaver }) {
  return new StateGraph(MailState)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .compile(options);
}

function mailGraph(writer: ACPNode, reviewer: ACPNode) {
  return new StateGraph(MailState)
    .addNode(writer.getName(), writer)
    .addNode(reviewer.getName(), reviewer)
    .addEdge(START, writer.getName())
    .addEdge(writer.getName(), reviewer.getName())
    .addEdge(reviewer.getName(), END)
    .compile();
}

describe("ACPNode in a graph", () => {
  it("runs two remote agents in a row through nested state paths", async () => {
    const graph = mailGraph(writerNode(), reviewerNode());
    const out = await graph.invoke(
      { mail: { id: 7, writer: { input: { topic: "the picnic" } } }, untouched: "kept" },
      { configurable: { mail: { signature: "Ada" } } },
    );
    expect(out.mail).toEqual({
      id: 7,
      writer: {
        input: { topic: "the picnic" },
        output: { topic: "the picnic", draft: "A mail about the picnic. -- Ada" },
      },
    });
    expect(out.review).toEqual({ approved: true, notes: "signed, fine" });
    expect(out.untouched).toBe("kept");
  });

  it("works with a zod state schema", async () => {
    const State = z.object({
      request: z.object({ input: z.object({ topic: z.string() }) }),
      result: z.record(z.string(), z.unknown()).optional(),
    });
    const writer = new ACPNode({
      name: "writer",
      agentId: agents.ids.writer,
      clientConfig,
      inputPath: "request.input",
      inputType: MailInput,
      outputPath: "result",
      outputType: MailOutput,
    });
    const graph = new StateGraph(State)
      .addNode(writer.getName(), writer)
      .addEdge(START, writer.getName())
      .addEdge(writer.getName(), END)
      .compile();
    const out = await graph.invoke({ request: { input: { topic: "zod" } } });
    expect(out.result).toEqual({ topic: "zod", draft: "A mail about zod. -- anonymous" });
  });

  it("builds its types from the agent's descriptor and checks the input before sending", async () => {
    const writer = ACPNode.fromDescriptor({
      descriptor: agents.descriptors.writer,
      name: "writer",
      agentId: agents.ids.writer,
      clientConfig,
      inputPath: "mail.writer.input",
      outputPath: "mail.writer.output",
    });
    expect(writer.descriptor).toBe(agents.descriptors.writer);
    expect(z.toJSONSchema(writer.inputType)).toMatchObject({ required: ["topic"] });
    const graph = mailGraph(writer, reviewerNode());

    const out = await graph.invoke({ mail: { writer: { input: { topic: "schemas" } } } });
    expect(out.review.approved).toBe(false);

    const error = await graph
      .invoke({ mail: { writer: { input: { subject: "no topic" } } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeStateError);
    expect((error as Error).message).toContain('node "writer"');
    expect((error as Error).message).toContain("mail.writer.input");
    expect((error as Error).message).toContain("topic: is required");
  });

  it("fetches the descriptor from the server with fromAgent", async () => {
    const writer = await ACPNode.fromAgent({
      agentId: agents.ids.writer,
      clientConfig,
      inputPath: "mail.writer.input",
      outputPath: "mail.writer.output",
    });
    expect(writer.getName()).toBe("acpnode.writer");
    expect(writer.descriptor?.specs.input).toEqual(agents.descriptors.writer.specs.input);
  });

  it("names the node and the path when the input or the config is missing", async () => {
    const graph = mailGraph(writerNode(), reviewerNode());
    const missingInput = await graph.invoke({ mail: {} }).catch((e: unknown) => e);
    expect(missingInput).toBeInstanceOf(NodeStateError);
    expect((missingInput as NodeStateError).path).toBe("mail.writer.input");
    expect((missingInput as NodeStateError).node).toBe("writer");

    const missingConfig = await graph
      .invoke({ mail: { writer: { input: { topic: "x" } } } })
      .catch((e: unknown) => e);
    expect(missingConfig).toBeInstanceOf(NodeStateError);
    expect((missingConfig as NodeStateError).role).toBe("config");
    expect((missingConfig as Error).message).toContain('config at "mail"');
  });

  it("rejects a remote output that does not match the output type", async () => {
    const writer = new ACPNode({
      name: "writer",
      agentId: agents.ids.writer,
      clientConfig,
      inputPath: "mail.writer.input",
      outputPath: "mail.writer.output",
      outputType: z.object({ draft: z.number() }),
    });
    const graph = oneNodeGraph(writer);
    const error = await graph
      .invoke({ mail: { writer: { input: { topic: "types" } } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeStateError);
    expect((error as NodeStateError).role).toBe("output");
    expect((error as Error).message).toContain("draft");
  });

  it("turns a failed remote run into an ACPRunException with the server's errcode", async () => {
    const failing = new ACPNode({
      name: "failing",
      agentId: agents.ids.failing,
      clientConfig,
      inputPath: "mail.writer.input",
      outputPath: "mail.writer.output",
    });
    const graph = oneNodeGraph(failing);
    const error = await graph
      .invoke({ mail: { writer: { input: { topic: "fire" } } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ACPRunException);
    expect((error as ACPRunException).errcode).toBe(500);
    expect((error as ACPRunException).description).toContain(FAILURE);
    expect((error as ACPRunException).runId).toEqual(expect.any(String));
  });

  it("starts a new remote run when a failed node is run again, and reuses a finished one", async () => {
    const flaky = new ACPNode({
      name: "flaky",
      agentId: agents.ids.flaky,
      clientConfig,
      inputPath: "mail.writer.input",
      outputPath: "mail.writer.output",
    });
    const graph = oneNodeGraph(flaky, { checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "flaky" } };
    agents.flaky.failuresLeft = 1;
    const callsBefore = agents.flaky.calls;

    const error = await graph
      .invoke({ mail: { writer: { input: { topic: "retries" } } } }, config)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ACPRunException);

    const out = await graph.invoke(null, config);
    expect(out.mail.writer).toMatchObject({ output: { draft: "finally about retries" } });
    expect(agents.flaky.calls).toBe(callsBefore + 2);
  });

  it("does not run the remote agent again when the same parent task runs again", async () => {
    const writer = new ACPNode({
      name: "writer",
      agentId: agents.ids.writer,
      clientConfig,
      inputPath: "mail.writer.input",
      outputPath: "mail.writer.output",
      outputType: z.object({ draft: z.string().max(5) }),
    });
    const graph = oneNodeGraph(writer, { checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "same-task-again" } };
    const count = async () =>
      (await writer.client.searchStatelessRuns({ agent_id: agents.ids.writer, limit: 1000 }))
        .length;
    const before = await count();

    const first = await graph
      .invoke({ mail: { writer: { input: { topic: "too long" } } } }, config)
      .catch((e: unknown) => e);
    const again = await graph.invoke(null, config).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(NodeStateError);
    expect(again).toBeInstanceOf(NodeStateError);
    expect(await count()).toBe(before + 1);
  });

  it("keeps the api key out of its errors", async () => {
    const writer = new ACPNode({
      name: "writer",
      agentId: agents.ids.writer,
      clientConfig: new ApiClientConfiguration({
        host: agents.url,
        apiKey: { "x-api-key": "wrong-secret-value" },
      }),
      inputPath: "mail.writer.input",
      outputPath: "mail.writer.output",
      streamMode: [],
    });
    const graph = oneNodeGraph(writer);
    const error = await graph
      .invoke({ mail: { writer: { input: { topic: "keys" } } } })
      .catch((e: unknown) => e);
    expect((error as { status?: number }).status).toBe(401);
    expect(String(error)).not.toContain("wrong-secret-value");
    expect(JSON.stringify(error)).not.toContain("wrong-secret-value");
  });

  it("sends its headers with every request", async () => {
    const writer = new ACPNode({
      name: "writer",
      agentId: agents.ids.writer,
      clientConfig: new ApiClientConfiguration({ host: agents.url }),
      headers: { "x-api-key": API_KEY },
      inputPath: "mail.writer.input",
      outputPath: "mail.writer.output",
      streamMode: [],
    });
    const out = await oneNodeGraph(writer).invoke({
      mail: { writer: { input: { topic: "headers" } } },
    });
    expect(out.mail).toHaveProperty("writer.output.draft");
  });
});
