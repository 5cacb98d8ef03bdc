/**
 * The I/O mapper's chat model calls as spans, with the OpenTelemetry SDK recording to
 * memory: a `chat {model}` span with the GenAI attributes, under the mapper's node span
 * when the graph runs with the tracing callbacks, and under the active span when it
 * runs without them; one trace throughout.
 */
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  IOMappingAgent,
  type IOMappingAgentMetadata,
  openTelemetryCallbacks,
} from "../../src/langgraph/index.js";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  provider.register();
});
afterAll(async () => {
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

const spans = () => exporter.getFinishedSpans();
const byId = (id: string | undefined) => spans().find((s) => s.spanContext().spanId === id);
const parentOf = (span: ReadableSpan) => byId(span.parentSpanContext?.spanId);

const metadata: IOMappingAgentMetadata = {
  inputFields: ["source.text"],
  outputFields: ["target.title"],
  outputSchema: {
    type: "object",
    properties: { target: { type: "object", properties: { title: { type: "string" } } } },
  },
};

/** What the failing model throws. */
class ModelDownError extends Error {
  override name = "ModelDownError";
}

/** A chat model whose every call fails. */
class FailingChatModel extends FakeListChatModel {
  constructor() {
    super({ responses: [] });
  }

  override async _generate(): Promise<never> {
    throw new ModelDownError("model down");
  }
}

const State = Annotation.Root({
  source: Annotation<{ text: string }>,
  target: Annotation<{ title: string }>,
});

/** A graph whose one node is a mapper asking a fake chat model for the title. */
function titleGraph() {
  const llm = new FakeListChatModel({ responses: [JSON.stringify({ target: { title: "Maps" } })] });
  const mapper = new IOMappingAgent({ metadata, llm, name: "titler" });
  return new StateGraph(State)
    .addNode("titler", mapper.langgraphNode)
    .addEdge(START, "titler")
    .addEdge("titler", END)
    .compile();
}

/** Runs `fn` inside an active span named `parent`; resolves with what it returned. */
function underParent<T>(fn: () => Promise<T>): Promise<T> {
  return trace.getTracer("test").startActiveSpan("parent", async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
}

describe("the I/O mapper's model calls", () => {
  it("are chat spans under the mapper's node span, when the graph runs with the tracing callbacks", async () => {
    const graph = titleGraph();
    const result = await underParent(async () =>
      graph.invoke(
        { source: { text: "a story about maps" } },
        { callbacks: await openTelemetryCallbacks() },
      ),
    );
    expect(result.target).toEqual({ title: "Maps" });
    const chat = spans().filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(chat).toHaveLength(1);
    const call = chat[0] as ReadableSpan;
    expect(call.name).toBe("chat");
    expect(call.attributes).toMatchObject({ "gen_ai.operation.name": "chat" });
    const node = parentOf(call);
    expect(node?.name).toBe("titler");
    expect(node?.attributes["langgraph.node"]).toBe("titler");
    const graphSpan = parentOf(node as ReadableSpan);
    expect(graphSpan?.name).toBe("LangGraph");
    expect(parentOf(graphSpan as ReadableSpan)?.name).toBe("parent");
    const traceIds = new Set(spans().map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
  });

  it("are chat spans under the active span when the graph runs without them", async () => {
    const graph = titleGraph();
    await underParent(() => graph.invoke({ source: { text: "a story about maps" } }));
    const chat = spans().filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(chat).toHaveLength(1);
    expect(parentOf(chat[0] as ReadableSpan)?.name).toBe("parent");
    expect(chat[0]?.spanContext().traceId).toBe(
      spans()
        .find((s) => s.name === "parent")
        ?.spanContext().traceId,
    );
  });

  it("are a span each when the mapper asks again, under the active span", async () => {
    const llm = new FakeListChatModel({ responses: ["no json here", "still none"] });
    const mapper = new IOMappingAgent({ metadata, llm, name: "titler" });
    await expect(
      underParent(() => mapper.langgraphNode({ source: { text: "x" } })),
    ).rejects.toThrow(/without JSON/);
    const chat = spans().filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(chat).toHaveLength(2);
    expect(chat.every((s) => parentOf(s)?.name === "parent")).toBe(true);
  });

  it("are marked failed, with the error's class, when the model fails", async () => {
    const mapper = new IOMappingAgent({ metadata, llm: new FailingChatModel(), name: "titler" });
    await expect(
      underParent(() => mapper.langgraphNode({ source: { text: "x" } })),
    ).rejects.toThrow(/model down/);
    const chat = spans().filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(chat).toHaveLength(1);
    expect(chat[0]?.status.code).toBe(2);
    expect(chat[0]?.attributes["error.type"]).toBe("ModelDownError");
  });
});
