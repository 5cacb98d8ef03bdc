/**
 * A2ANode following a streamed task whose stream ends before the task stops: it joins
 * the task again (`SubscribeToTask`) and finishes with the full result, and the join
 * stays in the trace of the first request, under the node's `invoke_agent` span, on
 * both sides. The agent is served by this project's server over A2A, behind a proxy
 * that ends the first event stream after its first event; the OpenTelemetry SDK
 * records both sides' spans to memory in this process.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  A2ANode,
  type A2ANodeStreamEvent,
  A2AProtocolError,
  openTelemetryCallbacks,
} from "../../src/langgraph/index.js";
import { remoteThreadId } from "../../src/langgraph/task-identity.js";
import { transports } from "../helpers/a2a-server-agents.js";
import type { RecordedRequest } from "../helpers/http-server.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";
import { type StreamEndingProxy, startStreamEndingProxy } from "../helpers/stream-ending-proxy.js";

const CLIENT = 2;
const SERVER = 1;

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let running: TestACPServer | undefined;
let proxy: StreamEndingProxy | undefined;

beforeAll(() => {
  provider.register();
});

afterAll(async () => {
  await provider.shutdown();
});

beforeEach(() => exporter.reset());

afterEach(async () => {
  // The gate lets a task still waiting end, so the server closes without waiting for it.
  running?.gate.release();
  await proxy?.close();
  await running?.close();
  proxy = undefined;
  running = undefined;
});

const spans = () => exporter.getFinishedSpans();
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

const State = Annotation.Root({ request: Annotation<unknown>, reply: Annotation<unknown> });

/** The test server's slow agent (it waits at the gate) behind a proxy that ends the first stream early. */
async function slowAgentBehindProxy(
  transport: (typeof transports)[number],
  options: { maxResubscribes?: number } = {},
) {
  running = await startACPServer();
  proxy = await startStreamEndingProxy(running.url, { streams: 1, events: 1 });
  const node = await A2ANode.fromCardUrl(`${proxy.url}/a2a/${agentIds.slow}/`, {
    name: "slow",
    inputPath: "request",
    outputPath: "reply",
    transport,
    ...options,
  });
  expect(node.streaming).toBe(true);
  // The card's read is no part of the call.
  exporter.reset();
  const graph = new StateGraph(State)
    .addNode("slow", node)
    .addEdge(START, "slow")
    .addEdge("slow", END)
    .compile();
  return { graph, proxy, running };
}

/** Whether a request the proxy saw opens a task's stream, or joins one again. */
function streamKind(request: RecordedRequest): "send" | "subscribe" | undefined {
  if (request.url.endsWith("/message:stream")) return "send";
  if (request.url.endsWith(":subscribe")) return "subscribe";
  if (request.method !== "POST" || !request.body.startsWith("{")) return undefined;
  const method = (JSON.parse(request.body) as { method?: unknown }).method;
  if (method === "SendStreamingMessage") return "send";
  if (method === "SubscribeToTask") return "subscribe";
  return undefined;
}

/** The trace id and parent span id of a request's `traceparent`. */
function traceparentOf(request: RecordedRequest): { traceId: string; parentId: string } {
  const header = request.headers.traceparent;
  expect(header, `${request.method} ${request.url}`).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  const [, traceId = "", parentId = ""] = (header as string).split("-");
  return { traceId, parentId };
}

describe.each(transports)("A2ANode over %s, its task's stream ended early", (transport) => {
  it("joins the task again in the same trace, and ends with the task's full result", async () => {
    const { graph, proxy, running } = await slowAgentBehindProxy(transport);
    const threadId = `parent-resubscribe-${transport}`;
    const fromCardRead = proxy.requests.length;
    const stream = await graph.stream(
      { request: { text: "over a2a" } },
      {
        callbacks: await openTelemetryCallbacks(),
        configurable: { thread_id: threadId },
        streamMode: ["custom", "values"],
      },
    );
    const joined = () => proxy.requests.filter((r) => streamKind(r) === "subscribe");
    let last: typeof State.State | undefined;
    for await (const [mode, chunk] of stream) {
      if (mode === "values") last = chunk as typeof State.State;
      // The task is let finish only once the join's events come, so that it is joined
      // while it is still under way.
      else if (joined().length > 0 && (chunk as A2ANodeStreamEvent).event) running.gate.release();
    }

    // The full result, from the task the join followed to its end.
    expect(last?.reply).toMatchObject({ reply: "done: over a2a" });
    const during = proxy.requests.slice(fromCardRead);
    // The task looked for (ListTasks), its stream opened, then joined again.
    expect(during.map(streamKind)).toEqual([undefined, "send", "subscribe"]);
    const sends = during.filter((r) => streamKind(r) === "send");
    expect(sends).toHaveLength(1);
    expect(proxy.ended).toEqual(sends);
    expect(joined()).toHaveLength(1);

    const invoke = spans().find((s) => s.kind === CLIENT);
    expect(invoke?.name).toBe("invoke_agent test.slow");
    expect(invoke?.attributes["gen_ai.conversation.id"]).toBe(
      await remoteThreadId(threadId, "a2a|slow"),
    );
    const { traceId, spanId } = (invoke as ReadableSpan).spanContext();
    // Every request of the call, the join included, carries the node's invoke_agent span.
    for (const request of during) {
      expect(traceparentOf(request), `${request.method} ${request.url}`).toEqual({
        traceId,
        parentId: spanId,
      });
    }
    expect(traceparentOf(joined()[0] as RecordedRequest).traceId).toBe(
      traceparentOf(sends[0] as RecordedRequest).traceId,
    );

    // The server's spans of both requests: one per request, each under the invoke_agent span.
    const requestSpans = () =>
      spans().filter(
        (s) =>
          s.kind === SERVER &&
          s.attributes["url.path"]?.toString().startsWith(`/a2a/${agentIds.slow}`),
      );
    await vi.waitUntil(() => requestSpans().length >= during.length, { timeout: 10_000 });
    expect(requestSpans()).toHaveLength(during.length);
    for (const span of requestSpans()) {
      expect(span.spanContext().traceId).toBe(traceId);
      expect(parentOf(span)).toBe(spanId);
    }
    // The task's run is a run span under the request that started it (the requests
    // went one after the other: the spans' starts keep their order), in the same trace.
    const [, send] = requestSpans().sort(
      (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
    );
    const run = spans().find((s) => s.attributes["acp.run.id"] !== undefined);
    expect(run?.spanContext().traceId).toBe(traceId);
    expect(parentOf(run as ReadableSpan)).toBe(send?.spanContext().spanId);
    expect(run?.attributes["acp.run.status"]).toBe("success");
  });

  it("fails with a protocol error naming maxResubscribes when joining again is not allowed", async () => {
    const { graph, proxy } = await slowAgentBehindProxy(transport, { maxResubscribes: 0 });
    const error = await graph
      .invoke(
        { request: { text: "no join" } },
        { configurable: { thread_id: `no-join-${transport}` } },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(A2AProtocolError);
    expect((error as Error).message).toMatch(
      /ended 1 times before the task stopped \(maxResubscribes: 0\)/,
    );
    expect(proxy.ended).toHaveLength(1);
    expect(proxy.requests.some((r) => streamKind(r) === "subscribe")).toBe(false);
  });
});
