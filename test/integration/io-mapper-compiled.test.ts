import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  addIoMappedEdge,
  type CompiledMapping,
  InMemoryMappingStore,
  type IOMappableNode,
  type MappingStore,
} from "../../src/langgraph/index.js";
import {
  type ChatCompletionRequest,
  type OpenAIEndpoint,
  startOpenAIEndpoint,
} from "../helpers/openai-endpoint.js";

const Message = z.object({ type: z.enum(["human", "assistant"]), content: z.string() });
const ComposerOutput = z.object({ messages: z.array(Message) });
const ReviewerInput = z.object({
  email: z.string(),
  audience: z.enum(["general", "technical"]),
});
type Composed = z.infer<typeof ComposerOutput>;

const State = Annotation.Root({
  composer_state: Annotation<{ input?: Composed; output?: Composed }>,
  reviewer_state: Annotation<{ input?: z.infer<typeof ReviewerInput>; output?: string }>,
});
type GraphState = typeof State.State;

/** Passes its input through, so each run can bring different data. */
const composer: IOMappableNode = {
  getName: () => "composer",
  inputPath: "composer_state.input",
  outputPath: "composer_state.output",
  outputType: ComposerOutput,
};

function reviewerNode(inputType: z.ZodType): IOMappableNode {
  return {
    getName: () => "reviewer",
    inputPath: "reviewer_state.input",
    outputPath: "reviewer_state.output",
    inputType,
  };
}

const goodMapping = {
  fieldMapping: {
    "reviewer_state.input.email": "$.composer_state.output.messages[-1:].content",
    "reviewer_state.input.audience": { value: "general" },
  },
};

/** Answers compile requests with a mapping and data requests with mapped data. */
function responder(mapping: unknown) {
  return (request: ChatCompletionRequest) => {
    const system = String(request.messages[0]?.content);
    if (system.includes("deterministic data mappings")) return JSON.stringify(mapping);
    return JSON.stringify({
      reviewer_state: { input: { email: "(written by the model)", audience: "technical" } },
    });
  };
}

function run(messages: Composed["messages"]) {
  return { composer_state: { input: { messages } } };
}

const hello = [{ type: "assistant" as const, content: "Hello team" }];

describe("compiled mode", () => {
  let endpoint: OpenAIEndpoint;
  let llm: ChatOpenAI;
  let warnings: string[];
  const logger = { warn: (message: string) => warnings.push(message) };

  function graph(options: { store?: MappingStore; reviewerInput?: z.ZodType } = {}) {
    const reviewer = reviewerNode(options.reviewerInput ?? ReviewerInput);
    const builder = new StateGraph(State)
      .addNode("composer", (state: GraphState) => ({
        composer_state: { ...state.composer_state, output: state.composer_state.input },
      }))
      .addNode("reviewer", (state: GraphState) => {
        const input = ReviewerInput.parse(state.reviewer_state.input);
        return {
          reviewer_state: { ...state.reviewer_state, output: `${input.audience}: ${input.email}` },
        };
      })
      .addEdge(START, "composer")
      .addEdge("reviewer", END);
    const mapper = addIoMappedEdge(
      builder,
      composer,
      reviewer,
      { mode: "compiled", store: options.store, logger },
      llm,
    );
    return { graph: builder.compile(), mapper };
  }

  beforeAll(async () => {
    endpoint = await startOpenAIEndpoint();
    llm = new ChatOpenAI({
      apiKey: "test",
      configuration: { baseURL: endpoint.url },
      model: "x",
      maxRetries: 0,
    });
  });
  afterAll(async () => {
    await endpoint.close();
  });
  beforeEach(() => {
    endpoint.reset();
    endpoint.respondWith(responder(goodMapping));
    warnings = [];
  });

  it("makes exactly one model call for 100 runs through the same edge", async () => {
    const { graph: compiled, mapper } = graph();
    for (let i = 0; i < 100; i++) {
      const final = await compiled.invoke(run([{ type: "assistant", content: `Draft ${i}` }]));
      expect(final.reviewer_state.output).toBe(`general: Draft ${i}`);
    }
    expect(endpoint.calls).toBe(1);
    const compileRequest = endpoint.requests[0]!;
    expect(compileRequest.response_format?.type).toBe("json_schema");
    expect(JSON.stringify(compileRequest.messages)).toContain("Draft 0");
    expect((await mapper.compiledMapping())?.fieldMapping).toEqual(goodMapping.fieldMapping);
    expect(warnings).toEqual([]);
  });

  it("compiles once when several runs reach a new edge at the same time", async () => {
    const { graph: compiled } = graph();
    const finals = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => compiled.invoke(run([{ type: "assistant", content: `P${i}` }]))),
    );
    expect(finals.map((f) => f.reviewer_state.output)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `general: P${i}`),
    );
    expect(endpoint.calls).toBe(1);
  });

  it("reuses a mapping from a shared store with no model call, and compiles again for a changed schema", async () => {
    const store = new InMemoryMappingStore();
    await graph({ store }).graph.invoke(run(hello));
    expect(endpoint.calls).toBe(1);
    expect(store.size).toBe(1);

    const again = await graph({ store }).graph.invoke(run(hello));
    expect(again.reviewer_state.output).toBe("general: Hello team");
    expect(endpoint.calls).toBe(1);

    const changed = ReviewerInput.extend({ cc: z.string().optional() });
    const other = await graph({ store, reviewerInput: changed }).graph.invoke(run(hello));
    expect(other.reviewer_state.output).toBe("general: Hello team");
    expect(endpoint.calls).toBe(2);
    expect(store.size).toBe(2);
  });

  it("uses any MappingStore, asynchronous ones included", async () => {
    const saved = new Map<string, CompiledMapping>();
    const store: MappingStore = {
      get: async (key) => saved.get(key),
      put: async (key, mapping) => {
        saved.set(key, mapping);
      },
    };
    await graph({ store }).graph.invoke(run(hello));
    expect([...saved.keys()]).toHaveLength(1);
    expect([...saved.keys()][0]).toMatch(/^[0-9a-f]{64}:[0-9a-f]{64}$/);
    expect([...saved.values()][0]!.fieldMapping).toEqual(goodMapping.fieldMapping);
    await graph({ store }).graph.invoke(run(hello));
    expect(endpoint.calls).toBe(1);
  });

  it("falls back to the model for data that breaks the mapping, says so, and still yields valid output", async () => {
    const { graph: compiled } = graph();
    await compiled.invoke(run(hello));
    expect(endpoint.calls).toBe(1);

    const final = await compiled.invoke(run([]));
    expect(final.reviewer_state.output).toBe("technical: (written by the model)");
    expect(endpoint.calls).toBe(2);
    expect(String(endpoint.requests[1]!.messages[0]?.content)).toContain("translate data");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("compiled mapping does not fit this input");
    expect(warnings[0]).toContain("must have required property 'email'");

    // the mapping is kept: good data goes back to no model call at all
    await compiled.invoke(run(hello));
    expect(endpoint.calls).toBe(2);
  });

  it("maps with the model when the model cannot write a working mapping, and caches nothing", async () => {
    endpoint.respondWith(
      responder({ fieldMapping: { "reviewer_state.input.email": "$.composer_state.nowhere" } }),
    );
    const store = new InMemoryMappingStore();
    const { graph: compiled } = graph({ store });
    const final = await compiled.invoke(run(hello));
    expect(final.reviewer_state.output).toBe("technical: (written by the model)");
    // two compile attempts (the second with the errors), then one data call
    expect(endpoint.calls).toBe(3);
    expect(JSON.stringify(endpoint.requests[1]!.messages)).toContain(
      'no value found for \\"reviewer_state.input.email\\"',
    );
    expect(store.size).toBe(0);
    expect(warnings[0]).toContain("the model wrote no usable mapping");

    // no second compile attempt: the next run costs one data call only
    await compiled.invoke(run(hello));
    expect(endpoint.calls).toBe(4);
    expect(String(endpoint.requests[3]!.messages[0]?.content)).toContain("translate data");
  });
});
