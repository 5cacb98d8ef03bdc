/**
 * The client's requests against a Prism mock of the official specification:
 * `--errors` makes Prism answer 422 to any request that breaks the spec, and
 * every answer it gives must parse with the operation's schema.
 *
 * Prism runs in seeded dynamic mode (its static examples of `allOf` schemas miss
 * required fields). Where its dynamic generator breaks (the thread history's
 * schema), the request asks for a static answer with `Prefer: dynamic=false`.
 *
 * Prism cannot produce `text/event-stream` bodies: after a streaming request
 * passes validation it answers 500 NO_COMPLEX_OBJECT_TEXT. For those operations
 * the test asserts exactly that, which proves the request itself was valid.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACPClient,
  type ApiResponse,
  type OperationName,
  operations,
  ServiceException,
} from "../../src/index.js";
import { agentId, runId, threadId } from "../helpers/fixtures.js";
import { type PrismProcess, startPrismMock } from "../helpers/prism.js";
import { specPath } from "../helpers/spec.js";

type Ops = typeof operations;
const message = { role: "user", content: "hi" };
const create = { agent_id: agentId, input: { q: "hi" }, config: { tags: ["t"] } };

/** A valid call of every operation: the method's positional arguments. */
const validArgs: { [K in OperationName]: Parameters<Ops[K]["args"]> } = {
  searchAgents: [{ name: "echo", version: "1.0.0", limit: 10, offset: 0 }],
  getAgentById: [agentId],
  getAcpDescriptorById: [agentId],
  createStatelessRun: [{ ...create, on_completion: "keep" }],
  searchStatelessRuns: [{ agent_id: agentId, status: "success", limit: 5 }],
  createAndStreamStatelessRunOutput: [{ ...create, stream_mode: "values" }],
  createAndWaitForStatelessRunOutput: [create],
  waitForStatelessRunOutput: [runId],
  getStatelessRun: [runId],
  resumeStatelessRun: [runId, { answer: "yes" }],
  deleteStatelessRun: [runId],
  streamStatelessRunOutput: [runId],
  cancelStatelessRun: [runId, true, "interrupt"],
  createThread: [{ thread_id: threadId, metadata: { a: 1 }, if_exists: "raise" }],
  searchThreads: [{ status: "idle", limit: 3 }],
  getThreadHistory: [threadId, 10, "checkpoint-1"],
  copyThread: [threadId],
  getThread: [threadId],
  deleteThread: [threadId],
  patchThread: [threadId, { metadata: { b: 2 }, messages: [message] }],
  listThreadRuns: [threadId, 10, 0],
  createThreadRun: [threadId, { ...create, if_not_exists: "create" }],
  createAndStreamThreadRunOutput: [threadId, { ...create, stream_subgraphs: false }],
  createAndWaitForThreadRunOutput: [threadId, create],
  waitForThreadRunOutput: [threadId, runId],
  getThreadRun: [threadId, runId],
  resumeThreadRun: [threadId, runId, { answer: "yes" }],
  deleteThreadRun: [threadId, runId],
  streamThreadRunOutput: [threadId, runId],
  cancelThreadRun: [threadId, runId, false, "rollback"],
};

/** Operations that need Prism's static answer. */
const staticAnswer = new Set<OperationName>(["getThreadHistory"]);
const preferStatic = { headers: { Prefer: "dynamic=false" } };

const names = Object.keys(operations) as OperationName[];
const jsonOps = names.filter((n) => !operations[n].stream);
const streamOps = names.filter((n) => operations[n].stream);

describe("the client against a Prism mock of the specification", () => {
  let prism: PrismProcess;
  let client: ACPClient;
  type Method = (...args: unknown[]) => unknown;
  const method = (name: string) => (client as unknown as Record<string, Method>)[name] as Method;

  beforeAll(async () => {
    prism = await startPrismMock(specPath);
    client = new ACPClient({ configuration: { host: prism.url, retries: 0 } });
  });
  afterAll(async () => {
    await prism?.stop();
  });

  it("covers every operation of the table", () => {
    expect(jsonOps.length + streamOps.length).toBe(30);
    expect(streamOps).toHaveLength(4);
  });

  it("is a mock that rejects an invalid request with 422", async () => {
    const res = await fetch(`${prism.url}/runs/not-a-uuid/cancel?wait=maybe`, { method: "POST" });
    expect(res.status).toBe(422);
  });

  it.each(jsonOps)("%s: the request is valid and the answer parses", async (name) => {
    const op = operations[name];
    const args = [...validArgs[name], ...(staticAnswer.has(name) ? [preferStatic] : [])];
    const info = (await method(`${name}WithHttpInfo`).call(
      client,
      ...args,
    )) as ApiResponse<unknown>;
    expect(info.statusCode).toBe(op.successStatus);
    if (op.response === null) expect(info.data).toBeUndefined();
    else expect(op.response.safeParse(info.data).success).toBe(true);
    const data = await method(name).call(client, ...args);
    expect(data).toEqual(info.data);
  });

  it.each(streamOps)("%s: the request is valid (Prism cannot stream)", async (name) => {
    const args = [...validArgs[name], preferStatic];
    const stream = method(name).call(client, ...args) as AsyncIterable<unknown>;
    const error = await (async () => {
      for await (const _ of stream) return undefined;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceException);
    const problem = error as ServiceException;
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem.data)).toContain("NO_COMPLEX_OBJECT_TEXT");
    const raw = (await method(`${name}WithoutPreloadContent`).call(client, ...args)) as Response;
    expect(raw.status).not.toBe(422);
    await raw.body?.cancel();
  });
});
