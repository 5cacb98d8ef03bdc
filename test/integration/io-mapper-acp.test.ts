import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BaseMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACPNode } from "../../src/langgraph/acp-node.js";
import { addIoMappedEdge, type IOMappableNode } from "../../src/langgraph/index.js";
import type { AgentACPDescriptor } from "../../src/models/index.js";
import { deriveAgentId, type RunningACPServer, serveACP } from "../../src/server/index.js";
import { type OpenAIEndpoint, startOpenAIEndpoint } from "../helpers/openai-endpoint.js";
import { samplesDir } from "../helpers/spec.js";

/** A fake chat model that keeps the messages of every call. */
class RecordingChatModel extends FakeListChatModel {
  prompts: BaseMessage[][] = [];

  override async _generate(messages: BaseMessage[], options?: this["ParsedCallOptions"]) {
    this.prompts.push(messages);
    return super._generate(messages, options);
  }
}

function sample(name: string): AgentACPDescriptor {
  return JSON.parse(readFileSync(resolve(samplesDir, "manifests", name), "utf8"));
}

// Two agents from the sample manifests, whose schemas do not line up: the composer
// answers with messages carrying `final_email`, the reviewer wants `email` + `audience`.
const composerDescriptor = sample("agent_mailwriter.json");
const reviewerDescriptor = sample("agent_mailreviewer.json");

type ComposerMessage = { type: "human" | "assistant"; content?: string; final_email?: string };

const ComposerState = Annotation.Root({
  messages: Annotation<ComposerMessage[]>,
  is_completed: Annotation<boolean>,
});

const ReviewerState = Annotation.Root({
  email: Annotation<string>,
  audience: Annotation<string>,
  correct: Annotation<boolean>,
  corrected_email: Annotation<string>,
});

function composerGraph() {
  return new StateGraph(ComposerState)
    .addNode("compose", (state: typeof ComposerState.State) => ({
      messages: [
        ...(state.messages ?? []),
        {
          type: "assistant" as const,
          final_email: "Dear customers, our spring sale starts today.",
        },
      ],
      is_completed: true,
    }))
    .addEdge(START, "compose")
    .addEdge("compose", END)
    .compile();
}

function reviewerGraph() {
  return new StateGraph(ReviewerState)
    .addNode("review", (state: typeof ReviewerState.State) => ({
      correct: state.email.startsWith("Dear"),
      corrected_email: `[${state.audience}] ${state.email}`,
    }))
    .addEdge(START, "review")
    .addEdge("review", END)
    .compile();
}

const Parent = Annotation.Root({
  composer_state: Annotation<Record<string, unknown>>,
  reviewer_state: Annotation<Record<string, unknown>>,
});

const mappedInput = {
  email: "Dear customers, our spring sale starts today.",
  audience: "business",
};

describe("ACPNode -> mapper -> ACPNode over the project's ACP server", () => {
  let server: RunningACPServer;
  let endpoint: OpenAIEndpoint;

  function nodes() {
    const clientConfig = { host: server.url };
    const composer = ACPNode.fromDescriptor({
      name: "mailcomposer",
      agentId: deriveAgentId("org.agntcy.mailcomposer", "0.0.1"),
      clientConfig,
      descriptor: composerDescriptor,
      inputPath: "composer_state.input",
      outputPath: "composer_state.output",
      streamMode: [],
    });
    const reviewer = ACPNode.fromDescriptor({
      name: "reviewer",
      agentId: deriveAgentId("org.agntcy.email_reviewer", "0.0.1"),
      clientConfig,
      descriptor: reviewerDescriptor,
      inputPath: "reviewer_state.input",
      outputPath: "reviewer_state.output",
      streamMode: [],
    });
    const builder = new StateGraph(Parent)
      .addNode(composer.getName(), composer)
      .addNode(reviewer.getName(), reviewer)
      .addEdge(START, composer.getName())
      .addEdge(reviewer.getName(), END);
    return { composer, reviewer, builder };
  }

  const start = {
    composer_state: {
      input: { messages: [{ type: "human", content: "Announce the spring sale" }] },
    },
  };

  beforeAll(async () => {
    server = await serveACP({
      agents: [
        { graph: composerGraph(), descriptor: composerDescriptor },
        { graph: reviewerGraph(), descriptor: reviewerDescriptor },
      ],
      port: 0,
      hostname: "127.0.0.1",
      logger: { warn: () => undefined },
    });
    endpoint = await startOpenAIEndpoint();
  });
  afterAll(async () => {
    await endpoint.close();
    await server.close();
  });
  beforeEach(() => {
    endpoint.reset();
  });

  it("ACPNode fits the mapper's node shape", () => {
    const { composer } = nodes();
    const asMappable: IOMappableNode = composer;
    expect(asMappable.getName()).toBe("mailcomposer");
  });

  it("maps with a fake model whose prompt holds both agents' reduced schemas and the data", async () => {
    const { composer, reviewer, builder } = nodes();
    const llm = new RecordingChatModel({
      responses: [JSON.stringify({ reviewer_state: { input: mappedInput } })],
    });
    addIoMappedEdge(
      builder,
      composer,
      reviewer,
      {
        outputDescriptionPrompt:
          "Put the composer's final email into email; the audience is business.",
      },
      llm,
    );
    const final = await builder.compile().invoke(start);

    expect(final.reviewer_state.output).toMatchObject({
      correct: true,
      corrected_email: `[business] ${mappedInput.email}`,
    });
    expect(llm.prompts).toHaveLength(1);
    const user = String(llm.prompts[0]![1]!.content);
    // the composer's output schema, from its descriptor
    expect(user).toContain('"final_email"');
    expect(user).toContain('"is_completed"');
    // the reviewer's input schema, from its descriptor, required fields and all
    expect(user).toContain('"academic"');
    expect(user).toMatch(/"required": \[\s*"email",\s*"audience"\s*\]/);
    // the data the composer produced on the server
    expect(user).toContain("Dear customers, our spring sale starts today.");
    expect(user).toContain("Announce the spring sale");
  });

  it("maps with ChatOpenAI over HTTP to the local endpoint", async () => {
    const { composer, reviewer, builder } = nodes();
    endpoint.reply(JSON.stringify({ reviewer_state: { input: mappedInput } }));
    const llm = new ChatOpenAI({
      apiKey: "test",
      configuration: { baseURL: endpoint.url },
      model: "x",
      maxRetries: 0,
    });
    addIoMappedEdge(builder, composer, reviewer, {}, llm);
    const final = await builder.compile().invoke(start);
    expect(final.reviewer_state.output).toMatchObject({ correct: true });
    expect(endpoint.calls).toBe(1);
    expect(JSON.stringify(endpoint.requests[0]!.response_format)).toContain('"audience"');
  });

  it("compiles the mapping once and serves later runs with no model call", async () => {
    const { composer, reviewer, builder } = nodes();
    endpoint.reply(
      JSON.stringify({
        fieldMapping: {
          "reviewer_state.input.email": "$.composer_state.output.messages[-1:].final_email",
          "reviewer_state.input.audience": { value: "business" },
        },
      }),
    );
    const llm = new ChatOpenAI({
      apiKey: "test",
      configuration: { baseURL: endpoint.url },
      model: "x",
      maxRetries: 0,
    });
    addIoMappedEdge(builder, composer, reviewer, { mode: "compiled" }, llm);
    const graph = builder.compile();
    for (let i = 0; i < 3; i++) {
      const final = await graph.invoke(start);
      expect(final.reviewer_state.output).toMatchObject({ correct: true });
    }
    expect(endpoint.calls).toBe(1);
  });
});
