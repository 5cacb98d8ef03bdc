/**
 * One trace across two processes: a parent graph here calls, through an `ACPNode`,
 * an agent served by `acp serve` in a child process. Both export spans over OTLP/HTTP
 * to a stand-in collector, and both post LangSmith runs to a stand-in of LangSmith's
 * ingest endpoint. On a parent thread, both sides name the remote thread the call
 * runs on: the parent's span as its conversation, the server's run span as its thread.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Annotation, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ACPClient } from "../../src/index.js";
import { ACPNode, openTelemetryCallbacks } from "../../src/langgraph/index.js";
import { remoteThreadId } from "../../src/langgraph/task-identity.js";
import { projectRoot, requireBuiltCli, startAcp } from "../helpers/acp-process.js";
import { type LangsmithReceiver, startLangsmithReceiver } from "../helpers/langsmith-receiver.js";
import {
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from "../helpers/otlp-receiver.js";
import { type FaultProxy, inTurn, startFaultProxy } from "../helpers/tcp-fault-proxy.js";

const SPAN_INTERNAL = 1;
const SPAN_SERVER = 2;
const SPAN_CLIENT = 3;
const STATUS_ERROR = 2;

let dir: string;
let child: ChildProcess | undefined;
let serverUrl: string;
let otlp: OtlpReceiver;
let langsmith: LangsmithReceiver;
let provider: NodeTracerProvider;
const proxies: FaultProxy[] = [];
/** Servers started by a test, besides the one every test calls. */
const others: ChildProcess[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  requireBuiltCli();
  otlp = await startOtlpReceiver();
  langsmith = await startLangsmithReceiver();
  const tracingEnv = {
    LANGSMITH_TRACING: "true",
    LANGSMITH_ENDPOINT: langsmith.url,
    LANGSMITH_API_KEY: "test-key",
    LANGSMITH_PROJECT: "one-trace",
  };
  Object.assign(process.env, tracingEnv);
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": "parent" }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlp.url}/v1/traces` })),
    ],
  });
  provider.register();

  dir = mkdtempSync(join(projectRoot, ".tmp", "tracing-serve-cli-"));
  const modulePath = join(dir, "agents.mjs");
  writeFileSync(
    modulePath,
    `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ text: Annotation(), steps: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }) });
const build = () => new StateGraph(State)
  .addNode("think", (s) => {
    if (s.text === "fail") throw new Error("the remote graph failed");
    return { steps: ["think"] };
  })
  .addNode("answer", (s) => ({ text: s.text + "!", steps: ["answer"] }))
  .addEdge(START, "think").addEdge("think", "answer").addEdge("answer", END).compile();
export const agents = [{ agentId: "remote-agent", graph: build(), descriptor: {
  metadata: { ref: { name: "remote.agent", version: "1.2.0" }, description: "answers" },
  specs: { capabilities: { streaming: { values: true } }, input: { type: "object" }, output: { type: "object" }, config: { type: "object" } },
} }, { agentId: "threaded-agent", graph: build(), descriptor: {
  metadata: { ref: { name: "remote.threaded", version: "1.2.0" }, description: "answers on threads" },
  specs: { capabilities: { streaming: { values: true }, threads: true }, input: { type: "object" }, output: { type: "object" }, config: { type: "object" }, thread_state: { type: "object" } },
} }];
`,
  );
  const served = await serve(["serve", modulePath, "--port", "0", "--otlp-endpoint", otlp.url], {
    ...tracingEnv,
    OTEL_SERVICE_NAME: "remote",
    OTEL_BSP_SCHEDULE_DELAY: "100",
  });
  child = served.child;
  serverUrl = served.url;
});

afterAll(async () => {
  child?.kill("SIGTERM");
  for (const c of others) c.kill("SIGTERM");
  for (const p of proxies) await p.close();
  await provider?.shutdown();
  await otlp?.close();
  await langsmith?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.env = savedEnv;
});

/** Starts `acp args...` with `env`; resolves once it serves, with its URL. */
function serve(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const started = startAcp(args, { env });
  return new Promise((resolve, reject) => {
    let seen = "";
    started.stdout?.on("data", (c: Buffer) => {
      seen += c.toString("utf8");
      const url = seen.match(/serving on (\S+)/)?.[1];
      if (url) resolve({ child: started, url });
    });
    started.stderr?.on("data", (c: Buffer) => {
      seen += c.toString("utf8");
    });
    started.once("close", (code) => reject(new Error(`acp serve ended (${code}): ${seen}`)));
  });
}

const State = Annotation.Root({
  job: Annotation<{ input?: unknown; output?: unknown }>,
});

/**
 * The parent graph: an ACPNode named "remote" calling the served agent at `url`; with
 * `threaded`, the agent that keeps threads, on a remote thread of the parent's thread.
 */
async function parentGraph(url: string, threaded = false) {
  const agentId = threaded ? "threaded-agent" : "remote-agent";
  // The descriptor is read beforehand, straight from the server: the node's own
  // connection then carries only the run.
  const descriptor = await new ACPClient({
    configuration: { host: serverUrl },
  }).getAcpDescriptorById(agentId);
  const node = ACPNode.fromDescriptor({
    descriptor,
    name: "remote",
    agentId,
    clientConfig: { host: url, retries: 3 },
    inputPath: "job.input",
    outputPath: "job.output",
    streamMode: ["values"],
    useThreads: threaded,
  });
  return new StateGraph(State)
    .addNode("remote", node)
    .addEdge(START, "remote")
    .addEdge("remote", END)
    .compile(threaded ? { checkpointer: new MemorySaver() } : {});
}

/**
 * Runs the parent graph on `text` (on the parent thread `threadId`, calling the agent
 * that keeps threads, when given); resolves with the parent's `invoke_agent` span
 * once exported.
 */
async function callRemote(
  url: string,
  text: string,
  threadId?: string,
): Promise<{ invoke: ReceivedSpan; error?: unknown; output?: unknown }> {
  const graph = await parentGraph(url, threadId !== undefined);
  const callbacks = await openTelemetryCallbacks();
  let error: unknown;
  let output: unknown;
  await graph
    .invoke(
      { job: { input: { text } } },
      {
        callbacks,
        runName: `parent ${text}`,
        ...(threadId !== undefined ? { configurable: { thread_id: threadId } } : {}),
      },
    )
    .then(
      (state) => {
        output = state.job.output;
      },
      (e: unknown) => {
        error = e;
      },
    );
  await provider.forceFlush();
  const root = otlp.spans.find((s) => s.name === `parent ${text}`);
  expect(root).toBeDefined();
  const agentName = threadId !== undefined ? "remote.threaded" : "remote.agent";
  const invoke = otlp.spans.find(
    (s) =>
      s.traceId === root?.traceId &&
      s.name === `invoke_agent ${agentName}` &&
      s.kind === SPAN_CLIENT,
  );
  expect(invoke).toBeDefined();
  return { invoke: invoke as ReceivedSpan, error, output };
}

/** The spans of a trace, once the remote's run span (and `count` server spans) arrived. */
async function traceOf(traceId: string, servers = 1): Promise<ReceivedSpan[]> {
  const spans = () => otlp.spans.filter((s) => s.traceId === traceId);
  await vi.waitUntil(
    () =>
      spans().some((s) => s.service === "remote" && s.attributes["acp.run.status"] !== undefined) &&
      spans().filter((s) => s.kind === SPAN_SERVER).length >= servers &&
      spans().some((s) => s.service === "remote" && s.name === "LangGraph"),
    { timeout: 15_000, interval: 50 },
  );
  return spans();
}

const byId = (spans: ReceivedSpan[], id: string | undefined) => spans.find((s) => s.spanId === id);

/** Whether `ancestor` is above `span` in `spans`. */
function isUnder(spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  for (let s = byId(spans, span.parentSpanId); s; s = byId(spans, s.parentSpanId)) {
    if (s.spanId === ancestor.spanId) return true;
  }
  return false;
}

describe("one trace across agents (OpenTelemetry, OTLP/HTTP)", () => {
  it("nests the parent's node, invoke_agent, the server's request and run spans and the remote graph's nodes in one trace", async () => {
    const { invoke, error } = await callRemote(serverUrl, "hello");
    expect(error).toBeUndefined();
    const spans = await traceOf(invoke.traceId);

    const node = byId(spans, invoke.parentSpanId);
    expect(node?.service).toBe("parent");
    expect(node?.attributes["langgraph.node"]).toBe("remote");
    const port = Number(new URL(serverUrl).port);
    expect(invoke.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.id": "remote-agent",
      "gen_ai.agent.name": "remote.agent",
      "gen_ai.agent.version": "1.2.0",
      "server.address": "127.0.0.1",
      "server.port": port,
    });
    expect(invoke.status).not.toBe(STATUS_ERROR);

    const request = spans.find((s) => s.kind === SPAN_SERVER && s.parentSpanId === invoke.spanId);
    expect(request?.service).toBe("remote");
    expect(request?.name).toBe("POST /runs/stream");
    expect(request?.attributes["http.response.status_code"]).toBe(200);

    const run = spans.find(
      (s) =>
        s.service === "remote" &&
        s.kind === SPAN_INTERNAL &&
        s.name === "invoke_agent remote.agent",
    );
    expect(run?.parentSpanId).toBe(request?.spanId);
    expect(run?.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.id": "remote-agent",
      "gen_ai.agent.name": "remote.agent",
      "acp.run.status": "success",
    });
    expect(run?.attributes["acp.run.id"]).toMatch(/^[0-9a-f-]{36}$/);

    for (const name of ["think", "answer"]) {
      const step = spans.find((s) => s.service === "remote" && s.name === name);
      expect(step, name).toBeDefined();
      expect(isUnder(spans, step as ReceivedSpan, run as ReceivedSpan)).toBe(true);
    }
    // Both processes' spans, one trace id.
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["parent", "remote"]));
  });

  it("marks a failed remote run's spans, on both sides, with an error status", async () => {
    const { invoke, error } = await callRemote(serverUrl, "fail");
    expect((error as Error | undefined)?.name).toBe("ACPRunException");
    expect(invoke.status).toBe(STATUS_ERROR);
    expect(invoke.attributes["error.type"]).toBe("ACPRunException");
    const spans = await traceOf(invoke.traceId);
    const run = spans.find(
      (s) => s.service === "remote" && s.attributes["acp.run.id"] !== undefined,
    );
    expect(run?.status).toBe(STATUS_ERROR);
    expect(run?.attributes["acp.run.status"]).toBe("error");
    expect(run?.attributes["acp.run.errcode"]).toBe(500);
    expect(run?.attributes["error.type"]).toBe("error 500");
    const think = spans.find((s) => s.service === "remote" && s.name === "think");
    expect(think?.status).toBe(STATUS_ERROR);
  });

  it("keeps a stream re-joined after a drop in the same trace, under the same invoke_agent span", async () => {
    // The answer's head is about 250 bytes: the cut falls inside the stream's events.
    const proxy = await startFaultProxy(serverUrl, inTurn({ kind: "dropAfterBytes", bytes: 300 }));
    proxies.push(proxy);
    const { invoke, error } = await callRemote(proxy.url, "again");
    expect(error).toBeUndefined();
    const spans = await traceOf(invoke.traceId, 2);
    const requests = spans.filter(
      (s) => s.kind === SPAN_SERVER && s.parentSpanId === invoke.spanId,
    );
    const methods = requests.map(
      (s) => `${s.attributes["http.request.method"]} ${s.attributes["http.route"]}`,
    );
    expect(methods).toContain("POST /runs/stream");
    expect(methods.some((m) => /^GET \/runs\/:run_id\/stream$/.test(m))).toBe(true);
    expect(proxy.connections).toBeGreaterThanOrEqual(2);
  });
});

describe("one conversation across two processes", () => {
  it("names the remote thread on both sides: the parent's invoke_agent span and the server's run span, in one trace", async () => {
    const parentThread = "parent-conversation";
    const remoteThread = await remoteThreadId(parentThread, "remote");
    const traces: string[] = [];
    for (const text of ["first turn", "second turn"]) {
      const { invoke, error, output } = await callRemote(serverUrl, text, parentThread);
      expect(error).toBeUndefined();
      expect(output).toMatchObject({ text: `${text}!` });
      expect(invoke.attributes["gen_ai.conversation.id"]).toBe(remoteThread);
      const spans = await traceOf(invoke.traceId);

      const run = spans.find(
        (s) =>
          s.service === "remote" &&
          s.kind === SPAN_INTERNAL &&
          s.name === "invoke_agent remote.threaded",
      );
      expect(run?.attributes).toMatchObject({
        "gen_ai.agent.id": "threaded-agent",
        "acp.thread.id": remoteThread,
        "acp.run.status": "success",
      });
      // The run is under the request that created it, itself under the parent's call.
      const request = byId(spans, run?.parentSpanId);
      expect(request?.kind).toBe(SPAN_SERVER);
      expect(request?.service).toBe("remote");
      expect(request?.attributes["url.path"]).toBe(`/threads/${remoteThread}/runs/stream`);
      expect(request?.parentSpanId).toBe(invoke.spanId);
      traces.push(invoke.traceId);
    }
    // Two calls, two traces, one conversation: the remote thread kept both turns.
    expect(new Set(traces).size).toBe(2);
    const thread = await new ACPClient({ configuration: { host: serverUrl } }).getThread(
      remoteThread,
    );
    expect(thread.values).toMatchObject({ steps: ["think", "answer", "think", "answer"] });
  });
});

describe("acp serve's export", () => {
  it("goes where OTEL_EXPORTER_OTLP_ENDPOINT says, without the flag", async () => {
    const { child: server, url } = await serve(["serve", join(dir, "agents.mjs"), "--port", "0"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_SERVICE_NAME: "from-env",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    });
    others.push(server);
    const answer = await fetch(`${url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: "remote-agent", input: { text: "env" } }),
    });
    expect(answer.status).toBe(200);
    const fromEnv = () => otlp.spans.filter((s) => s.service === "from-env");
    const request = () =>
      fromEnv().find((s) => s.kind === SPAN_SERVER && s.name === "POST /runs/wait");
    await vi.waitUntil(
      () => request() && fromEnv().some((s) => s.attributes["acp.run.status"] === "success"),
      { timeout: 15_000, interval: 50 },
    );
    expect(request()?.attributes["http.response.status_code"]).toBe(200);
    const run = fromEnv().find((s) => s.attributes["acp.run.id"] !== undefined);
    expect(run?.parentSpanId).toBe(request()?.spanId);
    expect(run?.traceId).toBe(request()?.traceId);
    server.kill("SIGTERM");
  });
});

describe("one LangSmith trace across agents", () => {
  it("posts the remote graph's run with the parent's trace id, under the parent's node run", async () => {
    await callRemote(serverUrl, "langsmith");
    const posted = () => langsmith.runs;
    let remoteRoot: (typeof langsmith.runs)[number] | undefined;
    let parentRun: (typeof langsmith.runs)[number] | undefined;
    await vi.waitUntil(
      () => {
        for (const run of posted()) {
          const parent = posted().find((p) => p.id === run.parent_run_id);
          if (run.name === "LangGraph" && parent?.name === "remote") {
            remoteRoot = run;
            parentRun = parent;
            const think = posted().find((r) => r.name === "think" && r.trace_id === run.trace_id);
            if (think) return true;
          }
        }
        return false;
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(remoteRoot?.trace_id).toBe(parentRun?.trace_id);
    expect(remoteRoot?.parent_run_id).toBe(parentRun?.id);
    // The remote run's place in the trace continues the parent's.
    expect(remoteRoot?.dotted_order?.startsWith(parentRun?.dotted_order ?? "-")).toBe(true);
  });
});
