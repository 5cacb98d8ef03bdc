import type { BaseMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  addIoMappedConditionalEdge,
  addIoMappedEdge,
  type IOMappableNode,
} from "../../src/langgraph/index.js";
import { type OpenAIEndpoint, startOpenAIEndpoint } from "../helpers/openai-endpoint.js";

/** A fake chat model that keeps the messages of every call. */
class RecordingChatModel extends FakeListChatModel {
  prompts: BaseMessage[][] = [];

  override async _generate(messages: BaseMessage[], options?: this["ParsedCallOptions"]) {
    this.prompts.push(messages);
    return super._generate(messages, options);
  }
}

const Message = z.object({ type: z.enum(["human", "assistant"]), content: z.string() });
const ComposerOutput = z.object({ messages: z.array(Message), is_completed: z.boolean() });
const ReviewerInput = z.object({
  email: z.string(),
  audience: z.enum(["general", "technical", "business", "academic"]),
});

const State = Annotation.Root({
  composer_state: Annotation<{ input?: unknown; output?: z.infer<typeof ComposerOutput> }>,
  reviewer_state: Annotation<{
    input?: z.infer<typeof ReviewerInput>;
    output?: { correct: boolean };
  }>,
  archive_state: Annotation<{ input?: { subject: string } }>,
  route: Annotation<string>,
});
type GraphState = typeof State.State;

/** A local stand-in for a remote agent node: typed input and output at state paths. */
function localNode<I, O>(
  name: string,
  inputType: z.ZodType<I>,
  outputType: z.ZodType<O>,
  work: (input: I) => O,
): IOMappableNode & { run: (state: GraphState) => Partial<GraphState> } {
  return {
    getName: () => name,
    inputPath: `${name}_state.input`,
    outputPath: `${name}_state.output`,
    inputType,
    outputType,
    run: (state) => {
      const slot = (state as Record<string, { input?: unknown } | undefined>)[`${name}_state`];
      const input = inputType.parse(slot?.input);
      return { [`${name}_state`]: { ...slot, output: work(input) } } as Partial<GraphState>;
    },
  };
}

const composer = localNode("composer", z.unknown(), ComposerOutput, () => ({
  messages: [
    { type: "human" as const, content: "Write to our customers" },
    { type: "assistant" as const, content: "Dear customers, spring is here." },
  ],
  is_completed: true,
}));
const reviewer = localNode(
  "reviewer",
  ReviewerInput,
  z.object({ correct: z.boolean() }),
  (input) => ({
    correct: input.email.startsWith("Dear"),
  }),
);

const mapped = {
  reviewer_state: { input: { email: "Dear customers, spring is here.", audience: "general" } },
};

function buildGraph() {
  return new StateGraph(State)
    .addNode("composer", composer.run)
    .addNode("reviewer", reviewer.run)
    .addEdge(START, "composer")
    .addEdge("reviewer", END);
}

function buildGraphWithoutModel() {
  const builder = buildGraph();
  addIoMappedEdge(builder, composer, reviewer, {});
  return builder.compile();
}

describe("addIoMappedEdge in a graph", () => {
  let endpoint: OpenAIEndpoint;
  beforeAll(async () => {
    endpoint = await startOpenAIEndpoint();
  });
  afterAll(async () => {
    await endpoint.close();
  });

  it("maps the composer's output into the reviewer's input with a fake model, defaults taken from the nodes", async () => {
    const llm = new RecordingChatModel({
      responses: [`\`\`\`json\n${JSON.stringify(mapped)}\n\`\`\``],
    });
    const builder = buildGraph();
    const mapper = addIoMappedEdge(
      builder,
      composer,
      reviewer,
      { outputDescriptionPrompt: "Put the last message of the composer into the email field" },
      llm,
    );
    expect(mapper.name).toBe("composer_reviewer");
    expect(mapper.metadata.inputFields).toEqual(["composer_state.output"]);
    expect(mapper.metadata.outputFields).toEqual(["reviewer_state.input"]);

    const final = await builder.compile().invoke({});
    expect(final.reviewer_state).toEqual({ ...mapped.reviewer_state, output: { correct: true } });

    expect(llm.prompts).toHaveLength(1);
    const user = String(llm.prompts[0]![1]!.content);
    // the reduced schemas, from the zod types, and the data are in the prompt
    expect(user).toContain('"enum": [\n');
    expect(user).toContain('"academic"');
    expect(user).toContain('"is_completed"');
    expect(user).toContain("Dear customers, spring is here.");
    expect(user).toContain("Put the last message of the composer into the email field");
    expect(user).toContain(JSON.stringify(mapper.reducedOutputSchema, null, 2));
  });

  it("runs ChatOpenAI's real HTTP path against a local endpoint, in JSON-schema mode", async () => {
    endpoint.reset();
    endpoint.reply(JSON.stringify(mapped));
    const llm = new ChatOpenAI({
      apiKey: "test",
      configuration: { baseURL: endpoint.url },
      model: "x",
      maxRetries: 0,
    });
    const builder = buildGraph();
    addIoMappedEdge(
      builder,
      "composer",
      "reviewer",
      {
        inputFields: ["composer_state.output.messages"],
        outputFields: ["reviewer_state.input.email", "reviewer_state.input.audience"],
        outputSchema: z.toJSONSchema(
          z.object({ reviewer_state: z.object({ input: ReviewerInput }) }),
        ) as never,
        outputDescriptionPrompt: "Use the last message as the email; the audience is general.",
      },
      llm,
    );
    const final = await builder.compile().invoke({});
    expect(final.reviewer_state.output).toEqual({ correct: true });
    expect(endpoint.calls).toBe(1);
    const request = endpoint.requests[0]!;
    expect(request.response_format?.type).toBe("json_schema");
    expect(JSON.stringify(request.response_format?.json_schema?.schema)).toContain('"audience"');
    const userText = JSON.stringify(request.messages);
    expect(userText).toContain("Dear customers, spring is here.");
    expect(userText).not.toContain("is_completed");
  });

  it("retries over HTTP once the reply breaks the schema and then writes the corrected data", async () => {
    endpoint.reset();
    endpoint.reply(
      JSON.stringify({
        reviewer_state: {
          input: { email: "Dear customers, spring is here.", audience: "everyone" },
        },
      }),
      JSON.stringify(mapped),
    );
    const llm = new ChatOpenAI({
      apiKey: "test",
      configuration: { baseURL: endpoint.url },
      model: "x",
      maxRetries: 0,
    });
    const builder = buildGraph();
    addIoMappedEdge(builder, composer, reviewer, {}, llm);
    const final = await builder.compile().invoke({});
    expect(final.reviewer_state.input).toEqual(mapped.reviewer_state.input);
    expect(endpoint.calls).toBe(2);
    expect(JSON.stringify(endpoint.requests[1]!.messages)).toContain(
      "must be equal to one of the allowed values",
    );
  });

  it("takes the model from config.configurable.llm when the edge has none", async () => {
    const builder = buildGraph();
    addIoMappedEdge(builder, composer, reviewer, {});
    const llm = new FakeListChatModel({ responses: [JSON.stringify(mapped)] });
    const final = await builder.compile().invoke({}, { configurable: { llm } });
    expect(final.reviewer_state.output).toEqual({ correct: true });
    await expect(buildGraphWithoutModel().invoke({})).rejects.toThrow(
      /"composer_reviewer" needs a chat model/,
    );
  });
});

describe("addIoMappedConditionalEdge in a graph", () => {
  const archiver = localNode(
    "archive",
    z.object({ subject: z.string() }),
    z.unknown(),
    () => undefined,
  );

  function build(llm: RecordingChatModel) {
    const builder = new StateGraph(State)
      .addNode("composer", composer.run)
      .addNode("reviewer", reviewer.run)
      .addNode("archive", (state: GraphState) => ({
        route: `archived ${state.archive_state.input?.subject}`,
      }))
      .addEdge(START, "composer")
      .addEdge("reviewer", END)
      .addEdge("archive", END);
    const mappers = addIoMappedConditionalEdge(
      builder,
      composer,
      (state: GraphState) => state.route,
      {
        approve: { end: reviewer, metadata: { outputDescriptionPrompt: "the email for review" } },
        file: {
          end: archiver,
          metadata: {
            fieldMapping: {
              "archive_state.input.subject": "$.composer_state.output.messages[0].content",
            },
          },
        },
        done: { end: END, metadata: null },
      },
      llm,
    );
    return { graph: builder.compile(), mappers };
  }

  it("returns one mapper per mapped end, none for the plain one", () => {
    const { mappers } = build(new RecordingChatModel({ responses: ["{}"] }));
    expect(Object.keys(mappers).sort()).toEqual(["archive", "reviewer"]);
    expect(mappers.reviewer!.name).toBe("composer_reviewer");
    expect(mappers.archive!.mode).toBe("imperative");
  });

  it("routes through the model-backed mapper", async () => {
    const llm = new RecordingChatModel({ responses: [JSON.stringify(mapped)] });
    const final = await build(llm).graph.invoke({ route: "approve" });
    expect(final.reviewer_state.output).toEqual({ correct: true });
    expect(llm.prompts).toHaveLength(1);
  });

  it("routes through the JSONPath mapper with no model call", async () => {
    const llm = new RecordingChatModel({ responses: ["{}"] });
    const final = await build(llm).graph.invoke({ route: "file" });
    expect(final.route).toBe("archived Write to our customers");
    expect(llm.prompts).toHaveLength(0);
  });

  it("routes straight to the plain target with no mapper", async () => {
    const llm = new RecordingChatModel({ responses: ["{}"] });
    const final = await build(llm).graph.invoke({ route: "done" });
    expect(final.reviewer_state).toBeUndefined();
    expect(final.archive_state).toBeUndefined();
    expect(llm.prompts).toHaveLength(0);
  });
});
