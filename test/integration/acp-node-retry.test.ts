import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ACPClient } from "../../src/client/acp-client.js";
import {
  ACPRunException,
  ApiConnectionError,
  ServiceException,
  UnprocessableEntityException,
} from "../../src/core/errors.js";
import { A2AClientError } from "../../src/langgraph/a2a/errors.js";
import { ACPNode } from "../../src/langgraph/acp-node.js";
import { NodeStateError } from "../../src/langgraph/node-errors.js";
import { isTransientACPError } from "../../src/langgraph/retry-on.js";
import { type ACPNodeAgents, startACPNodeAgents } from "../helpers/acp-node-agents.js";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy.js";

let agents: ACPNodeAgents;
let proxy: FaultProxy;
let client: ACPClient;

beforeAll(async () => {
  agents = await startACPNodeAgents();
  // Only the requests that create a run are spoiled.
  proxy = await startFaultProxy(
    agents.url,
    (req) => req.method === "POST" && /\/runs(\/wait|\/stream)?$/.test(req.url ?? ""),
  );
  // The client does not retry by itself, so every retry seen here is LangGraph's.
  client = new ACPClient({ configuration: { host: proxy.url, retries: 0 } });
});

afterAll(async () => {
  await client.close();
  await proxy.close();
  await agents.close();
});

const State = Annotation.Root({
  request: Annotation<{ input?: unknown; output?: unknown }>,
});

/** A graph whose one node runs the writer agent under LangGraph's default `retryOn`. */
function writerGraph(outputType?: z.ZodType<unknown>) {
  const node = new ACPNode({
    name: "writer",
    agentId: agents.ids.writer,
    client,
    inputPath: "request.input",
    outputPath: "request.output",
    streamMode: [],
    ...(outputType ? { outputType } : {}),
  });
  return new StateGraph(State)
    .addNode(node.getName(), node, { retryPolicy: { maxAttempts: 3, initialInterval: 1 } })
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile();
}

function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe("ACPNode under LangGraph's default retry policy", () => {
  it.each([
    ["a 503", 503 as const],
    ["a lost connection", "drop" as const],
  ])("retries %s", async (_what, fault) => {
    const pickedBefore = proxy.picked;
    proxy.faults.push(fault);
    const out = await writerGraph().invoke({ request: { input: { topic: "retries" } } });
    expect(out.request.output).toMatchObject({ draft: "A mail about retries. -- anonymous" });
    expect(proxy.faults).toEqual([]);
    expect(proxy.picked - pickedBefore).toBe(2);
  });

  it("does not retry an input the agent refuses (422): a NodeStateError at the input path", async () => {
    const pickedBefore = proxy.picked;
    const error = await failureOf(writerGraph().invoke({ request: { input: { topic: "" } } }));
    expect(error).toBeInstanceOf(NodeStateError);
    expect((error as NodeStateError).path).toBe("request.input");
    expect((error as NodeStateError).status).toBe(400);
    expect((error as Error).cause).toBeInstanceOf(UnprocessableEntityException);
    expect(proxy.picked - pickedBefore).toBe(1);
  });

  it("does not retry a state error", async () => {
    const pickedBefore = proxy.picked;
    const error = await failureOf(
      writerGraph(z.object({ approved: z.boolean() })).invoke({
        request: { input: { topic: "types" } },
      }),
    );
    expect(error).toBeInstanceOf(NodeStateError);
    expect((error as NodeStateError).role).toBe("output");
    expect(proxy.picked - pickedBefore).toBe(1);
  });
});

describe("a node going on with the run it created", () => {
  it("does not search the server for it again when it runs again", async () => {
    // Counts the run searches; spoils none.
    const searches = await startFaultProxy(
      agents.url,
      (req) => req.method === "POST" && req.url === "/runs/search",
    );
    const searching = new ACPClient({ configuration: { host: searches.url, retries: 0 } });
    try {
      const node = new ACPNode({
        name: "ask",
        agentId: agents.ids.ask,
        client: searching,
        inputPath: "request.input",
        outputPath: "request.output",
      });
      const graph = new StateGraph(State)
        .addNode(node.getName(), node)
        .addEdge(START, node.getName())
        .addEdge(node.getName(), END)
        .compile({ checkpointer: new MemorySaver() });
      const config = { configurable: { thread_id: "no-search-again" } };
      await graph.invoke({ request: { input: { topic: "search" } } }, config);
      // The first execution looks once for a run of an earlier one (there is none).
      expect(searches.picked).toBe(1);
      await graph.invoke(new Command({ resume: { answer: "one" } }), config);
      const done = await graph.invoke(new Command({ resume: { answer: "two" } }), config);
      expect(done.request.output).toMatchObject({ answers: ["one", "two"] });
      expect(searches.picked).toBe(1);
    } finally {
      await searching.close();
      await searches.close();
    }
  });
});

/** A threaded graph whose one node runs `agentId` through `through` under LangGraph's default `retryOn`. */
function threadedGraph(agentId: string, through: ACPClient) {
  const node = new ACPNode({
    name: "remote",
    agentId,
    client: through,
    inputPath: "request.input",
    outputPath: "request.output",
  });
  return new StateGraph(State)
    .addNode(node.getName(), node, { retryPolicy: { maxAttempts: 3, initialInterval: 1 } })
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile({ checkpointer: new MemorySaver() });
}

describe("a node retried by LangGraph after its remote run failed", () => {
  it("starts a new run without searching the server for the failed one", async () => {
    const searches = await startFaultProxy(
      agents.url,
      (req) => req.method === "POST" && req.url === "/runs/search",
    );
    const searching = new ACPClient({ configuration: { host: searches.url, retries: 0 } });
    try {
      agents.flaky.failuresLeft = 1;
      const callsBefore = agents.flaky.calls;
      const graph = threadedGraph(agents.ids.flaky, searching);
      const out = await graph.invoke(
        { request: { input: { topic: "retries" } } },
        { configurable: { thread_id: "retry-no-search" } },
      );
      expect(out.request.output).toMatchObject({ draft: "finally about retries" });
      // Two remote runs: the one that failed (500, which the default retryOn retries) and the next.
      expect(agents.flaky.calls - callsBefore).toBe(2);
      // The first attempt looked once for a run of an earlier execution; the retry did not.
      expect(searches.picked).toBe(1);
    } finally {
      await searching.close();
      await searches.close();
    }
  });
});

describe("an answer to an interrupt that the agent refuses (422)", () => {
  it("is a NodeStateError of role resume, not retried", async () => {
    // Counts the resumes (POST /runs/{id}); spoils none.
    const resumes = await startFaultProxy(
      agents.url,
      (req) => req.method === "POST" && /^\/runs\/[0-9a-f-]{36}$/.test(req.url ?? ""),
    );
    const resuming = new ACPClient({ configuration: { host: resumes.url, retries: 0 } });
    try {
      const graph = threadedGraph(agents.ids.ask, resuming);
      const config = { configurable: { thread_id: "refused-resume" } };
      const paused = await graph.invoke({ request: { input: { topic: "answers" } } }, config);
      expect((paused as { __interrupt__?: unknown[] }).__interrupt__).toHaveLength(1);
      // The agent's resume payload is { answer: string }.
      const error = await failureOf(graph.invoke(new Command({ resume: { answer: 42 } }), config));
      expect(error).toBeInstanceOf(NodeStateError);
      expect((error as NodeStateError).role).toBe("resume");
      expect((error as NodeStateError).path).toBe("Command.resume");
      expect((error as NodeStateError).status).toBe(400);
      expect((error as Error).cause).toBeInstanceOf(UnprocessableEntityException);
      expect(resumes.picked).toBe(1);
    } finally {
      await resuming.close();
      await resumes.close();
    }
  });
});

describe("isTransientACPError", () => {
  it("is true for the faults that may pass and false for the rest", () => {
    const status = (s: number) => new ServiceException({ status: s });
    expect([429, 502, 503, 504].map((s) => isTransientACPError(status(s)))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(isTransientACPError(new ApiConnectionError("socket hang up"))).toBe(true);
    expect(isTransientACPError(status(500))).toBe(false);
    expect(isTransientACPError(new UnprocessableEntityException({}))).toBe(false);
    expect(isTransientACPError(new ACPRunException("cancelled", 499))).toBe(false);
    expect(isTransientACPError(new ACPRunException("server stopped", 503))).toBe(true);
    expect(isTransientACPError(new NodeStateError("n", "input", "a", "is missing"))).toBe(false);
    expect(isTransientACPError(new Error("anything"))).toBe(false);
    const a2a = (reason?: string, status?: number) =>
      new A2AClientError("node", "sendMessage", "failed", reason, status);
    expect(isTransientACPError(a2a())).toBe(true);
    expect(isTransientACPError(a2a(undefined, 503))).toBe(true);
    expect(isTransientACPError(a2a("INVALID_PARAMS", 400))).toBe(false);
    expect(isTransientACPError(a2a("TASK_NOT_FOUND"))).toBe(false);
  });
});
