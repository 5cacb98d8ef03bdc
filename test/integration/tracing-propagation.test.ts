/**
 * What the trace context carries across a call, in one process with the OpenTelemetry
 * SDK recording to memory: every request of a run operation, a dropped stream's
 * re-join included, carries the W3C `traceparent` of its `invoke_agent` span with the
 * caller's `tracestate` and `baggage`; the server continues all three (its spans keep
 * the trace state, the remote graph sees the baggage); a thread's runs name the thread
 * as the conversation on both sides, from the client and from `ACPNode`.
 */
import type { IncomingHttpHeaders } from "node:http";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { context, createTraceState, propagation, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACPClient, type RunOutputStream } from "../../src/index.js";
import { ACPNode, openTelemetryCallbacks } from "../../src/langgraph/index.js";
import { remoteThreadId } from "../../src/langgraph/task-identity.js";
import {
  type ACPAgentOptions,
  deriveAgentId,
  type RunningACPServer,
  serveACP,
} from "../../src/server/index.js";
import { startFaultProxy as startRecorder } from "../helpers/fault-proxy.js";
import { customStreamingAgent, echoAgent } from "../helpers/graphs.js";
import { agentIds, memoryLogger } from "../helpers/server.js";
import { inTurn, startFaultProxy } from "../helpers/tcp-fault-proxy.js";

const CLIENT = 2;
const SERVER = 1;
const INTERNAL = 0;

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

/** A caller's span from elsewhere, with a trace state of its vendor's. */
const CALLER = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: 1,
  isRemote: true,
};
const TRACESTATE = "vendor=opaque-value";

const BaggageState = Annotation.Root({
  tenant: Annotation<string | undefined>,
  vendor: Annotation<string | undefined>,
});

/** An agent whose one node reports the caller's baggage and trace state as it sees them. */
function baggageAgent(): ACPAgentOptions {
  const graph = new StateGraph(BaggageState)
    .addNode("look", () => {
      const active = context.active();
      return {
        tenant: propagation.getBaggage(active)?.getEntry("tenant")?.value,
        vendor: trace.getSpan(active)?.spanContext().traceState?.get("vendor"),
      };
    })
    .addEdge(START, "look")
    .addEdge("look", END)
    .compile();
  return {
    graph,
    descriptor: {
      metadata: { ref: { name: "test.baggage", version: "1.0.0" }, description: "looks around" },
      specs: {
        capabilities: { streaming: { values: true } },
        input: { type: "object" },
        output: { type: "object" },
        config: { type: "object" },
      },
    },
  };
}
const baggageAgentId = deriveAgentId("test.baggage", "1.0.0");

let running: RunningACPServer;
/** Every request that reached the server, in order, with its headers. */
const arrived: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
let recorder: Awaited<ReturnType<typeof startRecorder>>;

beforeAll(async () => {
  provider.register();
  running = await serveACP({
    agents: [echoAgent(), customStreamingAgent(), baggageAgent()],
    port: 0,
    hostname: "127.0.0.1",
    logger: memoryLogger(),
  });
  // A pass-through hop in front of the server that writes down each request's headers.
  recorder = await startRecorder(running.url, (req) => {
    arrived.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    return false;
  });
});

afterAll(async () => {
  await recorder?.close();
  await running?.close();
  await provider.shutdown();
});

beforeEach(() => {
  exporter.reset();
  arrived.length = 0;
});

const spans = () => exporter.getFinishedSpans();
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const childrenOf = (span: ReadableSpan) =>
  spans().filter((s) => parentOf(s) === span.spanContext().spanId);

/** Runs `fn` under the remote caller's span (with its trace state) and with baggage `tenant=acme`. */
function asCaller<T>(fn: () => Promise<T>): Promise<T> {
  const under = trace.setSpanContext(context.active(), {
    ...CALLER,
    traceState: createTraceState(TRACESTATE),
  });
  const baggage = propagation.createBaggage({ tenant: { value: "acme" } });
  return context.with(propagation.setBaggage(under, baggage), fn);
}

/** The `invoke_agent` CLIENT span of the last call, with the server's spans under it. */
function clientCall(): { invoke: ReadableSpan; requests: ReadableSpan[] } {
  const invoke = spans().find((s) => s.kind === CLIENT);
  expect(invoke?.name.startsWith("invoke_agent")).toBe(true);
  const requests = childrenOf(invoke as ReadableSpan).filter((s) => s.kind === SERVER);
  return { invoke: invoke as ReadableSpan, requests };
}

describe("the trace context a call carries", () => {
  it("is the invoke_agent span's traceparent with the caller's tracestate and baggage, which the server and the remote graph continue", async () => {
    const client = new ACPClient({ configuration: { host: recorder.url } });
    const output = await asCaller(() =>
      client.createAndWaitForStatelessRunOutput({ agent_id: baggageAgentId, input: {} }),
    );
    await client.close();
    // The remote graph ran with the caller's baggage and trace state.
    expect(output.output).toMatchObject({
      values: { tenant: "acme", vendor: "opaque-value" },
    });

    const { invoke, requests } = clientCall();
    expect(invoke.spanContext().traceId).toBe(CALLER.traceId);
    expect(parentOf(invoke)).toBe(CALLER.spanId);
    expect(arrived).toHaveLength(1);
    const { spanId, traceId } = invoke.spanContext();
    expect(arrived[0]?.headers).toMatchObject({
      traceparent: `00-${traceId}-${spanId}-01`,
      tracestate: TRACESTATE,
      baggage: "tenant=acme",
    });
    const [request] = requests;
    expect(request?.name).toBe("POST /runs/wait");
    expect(request?.spanContext().traceState?.serialize()).toBe(TRACESTATE);
    const run = childrenOf(request as ReadableSpan).find((s) => s.kind === INTERNAL);
    expect(run?.name).toBe("invoke_agent test.baggage");
  });

  it("is on a dropped stream's re-join as on the request that opened it, under the same invoke_agent span", async () => {
    // The cut falls inside the stream's events: the client re-joins with Last-Event-ID.
    const cutter = await startFaultProxy(
      recorder.url,
      inTurn({ kind: "dropAfterBytes", bytes: 2_500 }),
    );
    const client = ACPClient.fromConfiguration({
      host: cutter.url,
      retries: 3,
      logger: { debug: () => undefined },
    });
    try {
      const events: RunOutputStream[] = [];
      await asCaller(async () => {
        const stream = client.createAndStreamStatelessRunOutput({
          agent_id: agentIds.custom,
          input: { count: 100 },
          stream_mode: "custom",
          on_disconnect: "continue",
        });
        for await (const event of stream) events.push(event);
      });
      expect(cutter.connections).toBe(2);
      expect(events.filter((e) => e.data.type === "custom")).toHaveLength(100);
    } finally {
      await client.close();
      await cutter.close();
    }

    const { invoke, requests } = clientCall();
    const { spanId, traceId } = invoke.spanContext();
    expect(arrived.map((r) => r.method)).toEqual(["POST", "GET"]);
    expect(arrived[1]?.url).toMatch(/^\/runs\/[0-9a-f-]{36}\/stream$/);
    for (const { headers } of arrived) {
      expect(headers).toMatchObject({
        traceparent: `00-${traceId}-${spanId}-01`,
        tracestate: TRACESTATE,
        baggage: "tenant=acme",
      });
    }
    expect(requests.map((s) => s.name).sort()).toEqual([
      "GET /runs/:run_id/stream",
      "POST /runs/stream",
    ]);
    expect(requests.every((s) => s.spanContext().traceState?.serialize() === TRACESTATE)).toBe(
      true,
    );
  });
});

describe("a thread's runs", () => {
  it("name the thread as the conversation: the client's invoke_agent span and the server's run span", async () => {
    const client = new ACPClient({ configuration: { host: running.url } });
    try {
      const thread = await client.createThread({});
      exporter.reset();
      await client.createAndWaitForThreadRunOutput(thread.thread_id, {
        agent_id: agentIds.echo,
        input: { text: "in a thread" },
      });
      const { invoke, requests } = clientCall();
      expect(invoke.attributes["gen_ai.conversation.id"]).toBe(thread.thread_id);
      const run = childrenOf(requests[0] as ReadableSpan).find((s) => s.kind === INTERNAL);
      expect(run?.attributes).toMatchObject({
        "gen_ai.conversation.id": thread.thread_id,
        "acp.thread.id": thread.thread_id,
        "acp.run.status": "success",
      });
    } finally {
      await client.close();
    }
  });

  it("name the remote thread as the conversation when an ACPNode runs on threads", async () => {
    const client = new ACPClient({ configuration: { host: running.url } });
    const node = new ACPNode({
      name: "remote",
      agentId: agentIds.echo,
      client,
      inputPath: "job.input",
      outputPath: "job.output",
      useThreads: true,
    });
    const JobState = Annotation.Root({
      job: Annotation<{ input?: unknown; output?: unknown }>,
    });
    const graph = new StateGraph(JobState)
      .addNode("remote", node)
      .addEdge(START, "remote")
      .addEdge("remote", END)
      .compile();
    try {
      await graph.invoke(
        { job: { input: { text: "from a node" } } },
        {
          configurable: { thread_id: "parent-thread" },
          callbacks: await openTelemetryCallbacks(),
        },
      );
      const remote = await remoteThreadId("parent-thread", "remote");
      const invoke = spans().find((s) => s.kind === CLIENT);
      expect(invoke?.attributes).toMatchObject({
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.id": agentIds.echo,
        "gen_ai.conversation.id": remote,
      });
      expect(
        spans().find((s) => s.spanContext().spanId === parentOf(invoke as ReadableSpan))?.name,
      ).toBe("remote");
      const run = spans().find(
        (s) => s.kind === INTERNAL && s.attributes["acp.run.id"] !== undefined,
      );
      expect(run?.attributes).toMatchObject({
        "gen_ai.conversation.id": remote,
        "acp.thread.id": remote,
      });
      expect(run?.spanContext().traceId).toBe(invoke?.spanContext().traceId);
    } finally {
      await client.close();
    }
  });
});
