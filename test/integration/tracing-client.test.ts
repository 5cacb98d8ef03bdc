/**
 * Spans of the client's run operations and of `A2ANode`, in one process with the
 * OpenTelemetry SDK recording to memory: each run operation is an `invoke_agent`
 * CLIENT span (a stream's stays open until the stream ends), the server's spans nest
 * under it through the W3C headers, and other operations open none.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACPClient } from "../../src/index.js";
import { A2ANode, APIBridgeAgentNode, openTelemetryCallbacks } from "../../src/langgraph/index.js";
import { remoteThreadId } from "../../src/langgraph/task-identity.js";
import { startA2AAgents } from "../helpers/a2a-agents.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";
import { refusingUrl } from "../helpers/tcp-fault-proxy.js";

const CLIENT = 2;
const SERVER = 1;
const INTERNAL = 0;

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let running: TestACPServer;
let client: ACPClient;

beforeAll(async () => {
  provider.register();
  running = await startACPServer();
  client = new ACPClient({ configuration: { host: running.url } });
});

afterAll(async () => {
  await client?.close();
  await running?.close();
  await provider.shutdown();
});

beforeEach(() => exporter.reset());

const spans = () => exporter.getFinishedSpans();
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const childrenOf = (span: ReadableSpan) =>
  spans().filter((s) => parentOf(s) === span.spanContext().spanId);

describe("the client's run operations", () => {
  it("are invoke_agent CLIENT spans the server's request and run spans nest under", async () => {
    await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "hi" },
    });
    const invoke = spans().find((s) => s.kind === CLIENT);
    expect(invoke?.name).toBe("invoke_agent");
    expect(invoke?.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.id": agentIds.echo,
      "server.address": "127.0.0.1",
      "server.port": Number(new URL(running.url).port),
    });
    const request = childrenOf(invoke as ReadableSpan).find((s) => s.kind === SERVER);
    expect(request?.name).toBe("POST /runs/wait");
    const run = childrenOf(request as ReadableSpan).find((s) => s.kind === INTERNAL);
    expect(run?.name).toBe("invoke_agent test.echo");
    expect(run?.attributes["acp.run.status"]).toBe("success");
    const steps = childrenOf(run as ReadableSpan);
    expect(steps.map((s) => s.name)).toContain("LangGraph");
  });

  it("keep a stream's span open until the stream ends", async () => {
    const stream = client.createAndStreamStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "streamed" },
      stream_mode: "values",
    });
    let openWhileStreaming = true;
    for await (const _event of stream) {
      openWhileStreaming &&= !spans().some((s) => s.kind === CLIENT);
    }
    expect(openWhileStreaming).toBe(true);
    const invoke = spans().find((s) => s.kind === CLIENT);
    expect(invoke?.attributes["gen_ai.agent.id"]).toBe(agentIds.echo);
    const request = childrenOf(invoke as ReadableSpan).find((s) => s.kind === SERVER);
    expect(request?.name).toBe("POST /runs/stream");
  });

  it("are the only operations with one: a search is the server's span alone", async () => {
    await client.searchAgents({});
    expect(spans().some((s) => s.kind === CLIENT)).toBe(false);
    const request = spans().find((s) => s.kind === SERVER);
    expect(request?.name).toBe("POST /agents/search");
    expect(parentOf(request as ReadableSpan)).toBeUndefined();
  });
});

/** A graph of one A2ANode, reading `request` and writing `reply`. */
function oneNodeGraph(node: A2ANode) {
  const State = Annotation.Root({ request: Annotation<unknown>, reply: Annotation<unknown> });
  return new StateGraph(State)
    .addNode("echo", node)
    .addEdge(START, "echo")
    .addEdge("echo", END)
    .compile();
}

describe("A2ANode", () => {
  it("opens an invoke_agent span under its node's, which the A2A request carries to the server", async () => {
    const node = await A2ANode.fromCardUrl(`${running.url}/a2a/${agentIds.echo}/`, {
      name: "echo",
      inputPath: "request",
      outputPath: "reply",
    });
    const graph = oneNodeGraph(node);
    exporter.reset();
    await graph.invoke(
      { request: { text: "over a2a" } },
      { callbacks: await openTelemetryCallbacks(), configurable: { thread_id: "parent-a2a" } },
    );

    const invoke = spans().find((s) => s.kind === CLIENT);
    expect(invoke?.name).toBe("invoke_agent test.echo");
    expect(invoke?.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "test.echo",
      "gen_ai.agent.version": "1.0.0",
      // The A2A context the node's task runs in, one per parent thread and node.
      "gen_ai.conversation.id": await remoteThreadId("parent-a2a", "a2a|echo"),
      "server.address": "127.0.0.1",
      "server.port": Number(new URL(running.url).port),
    });
    const nodeSpan = spans().find(
      (s) => s.spanContext().spanId === parentOf(invoke as ReadableSpan),
    );
    expect(nodeSpan?.name).toBe("echo");
    const requests = childrenOf(invoke as ReadableSpan).filter((s) => s.kind === SERVER);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.attributes["url.path"]?.toString().startsWith("/a2a/"))).toBe(
      true,
    );
    // The task's run is a run span under the A2A request that started it.
    const run = spans().find((s) => s.attributes["acp.run.id"] !== undefined);
    expect(run?.name).toBe("invoke_agent test.echo");
    expect(requests.map((r) => r.spanContext().spanId)).toContain(parentOf(run as ReadableSpan));
  });

  it("carries the trace, and no credentials, to a card's interface on another origin", async () => {
    const other = await startA2AAgents();
    // This server's card names the other server's interfaces: another origin, not trusted.
    const pointing = await startA2AAgents({ interfaceOrigin: other.origin });
    try {
      const node = await A2ANode.fromCardUrl(pointing.baseUrl("echo"), {
        name: "echo",
        inputPath: "request",
        outputPath: "reply",
        headers: { authorization: "Bearer s3cret-token" },
      });
      const graph = oneNodeGraph(node);
      exporter.reset();
      const out = await graph.invoke(
        { request: { q: 1 } },
        { callbacks: await openTelemetryCallbacks() },
      );
      expect(out.reply).toMatchObject({ received: { q: 1 } });
      const invoke = spans().find((s) => s.kind === CLIENT) as ReadableSpan;
      const { traceId, spanId } = invoke.spanContext();
      const there = other.records.requests;
      expect(there.length).toBeGreaterThan(0);
      for (const request of there) {
        expect(request.authorization).toBeUndefined();
        expect(request.traceparent).toBe(`00-${traceId}-${spanId}-01`);
      }
    } finally {
      await pointing.close();
      await other.close();
    }
  });
});

describe("APIBridgeAgentNode", () => {
  it("sends its request inside a CLIENT span that names the method and status, its trace context in the headers", async () => {
    const seen: Array<string | undefined> = [];
    const bridge = createServer((req, res) => {
      seen.push(req.headers.traceparent as string | undefined);
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "text/plain" }).end("done"));
    });
    await new Promise<void>((resolve) => bridge.listen(0, "127.0.0.1", resolve));
    try {
      const port = (bridge.address() as AddressInfo).port;
      const node = new APIBridgeAgentNode({
        name: "bridge",
        host: `http://127.0.0.1:${port}/`,
        serviceName: "pets",
        inputPath: "request",
        outputPath: "answer",
        serviceApiKey: "service-key-1",
      });
      const State = Annotation.Root({ request: Annotation<unknown>, answer: Annotation<unknown> });
      const graph = new StateGraph(State)
        .addNode("bridge", node)
        .addEdge(START, "bridge")
        .addEdge("bridge", END)
        .compile();
      await graph.invoke(
        { request: { query: "list the pets" } },
        { callbacks: await openTelemetryCallbacks() },
      );
      const request = spans().find((s) => s.kind === CLIENT);
      expect(request?.name).toBe("POST");
      expect(request?.attributes).toMatchObject({
        "http.request.method": "POST",
        "http.response.status_code": 200,
        "server.port": port,
      });
      const { traceId, spanId } = (request as ReadableSpan).spanContext();
      expect(seen).toEqual([`00-${traceId}-${spanId}-01`]);
      const nodeSpan = spans().find(
        (s) => s.spanContext().spanId === parentOf(request as ReadableSpan),
      );
      expect(nodeSpan?.name).toBe("bridge");
      expect(JSON.stringify(request?.attributes)).not.toContain("service-key-1");
    } finally {
      bridge.closeAllConnections();
      await new Promise((resolve) => bridge.close(resolve));
    }
  });
});

describe("a run operation that fails", () => {
  it("ends its invoke_agent span failed, with the error's class as error.type", async () => {
    const refused = new ACPClient({ configuration: { host: await refusingUrl(), retries: 0 } });
    const error = await refused
      .createAndWaitForStatelessRunOutput({ agent_id: agentIds.echo, input: { text: "lost" } })
      .catch((e: unknown) => e);
    await refused.close();
    expect((error as Error).name).toBe("ApiConnectionError");
    const invoke = spans().find((s) => s.kind === CLIENT);
    expect(invoke?.status.code).toBe(2);
    expect(invoke?.attributes["error.type"]).toBe("ApiConnectionError");
    expect(invoke?.events.map((e) => e.name)).toEqual(["exception"]);
  });
});
