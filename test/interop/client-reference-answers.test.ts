/**
 * The client reads what the Python reference server answers: `null` for unset
 * optional fields, naive timestamps, and its error bodies. Against the stand-in of
 * `reference-server/server.ts`, over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACPClient,
  NotFoundException,
  ServiceException,
  UnauthorizedException,
  UnprocessableEntityException,
} from "../../src/index.js";
import {
  APPROVER_ID,
  approverAgent,
  COMPOSER_ID,
  composerAgent,
} from "./reference-server/agents.js";
import { type StandInServer, startReferenceServer } from "./reference-server/server.js";

const KEY = "reference-key";
let standIn: StandInServer;
let client: ACPClient;

beforeAll(async () => {
  standIn = await startReferenceServer({
    agents: [composerAgent(), approverAgent()],
    apiKey: KEY,
  });
  client = new ACPClient({ configuration: { host: standIn.url, apiKey: { "x-api-key": KEY } } });
});

afterAll(async () => {
  await client.close();
  await standIn.close();
});

async function rawJson(path: string): Promise<string> {
  const response = await fetch(`${standIn.url}${path}`, { headers: { "x-api-key": KEY } });
  return response.text();
}

describe("null for an unset optional field reads as absent", () => {
  it("getAgentById: metadata.ref.url is null on the wire and absent in the model", async () => {
    expect(await rawJson(`/agents/${COMPOSER_ID}`)).toContain('"url":null');
    const agent = await client.getAgentById(COMPOSER_ID);
    expect(agent.metadata.ref).toEqual({ name: "org.example.composer", version: "0.1.0" });
    expect(Object.hasOwn(agent.metadata.ref, "url")).toBe(false);
  });

  it("getAcpDescriptorById: null capabilities and specs are dropped, declared ones kept", async () => {
    const descriptor = await client.getAcpDescriptorById(APPROVER_ID);
    expect(descriptor.specs.capabilities).toEqual({
      threads: false,
      interrupts: true,
      callbacks: false,
      streaming: { values: true },
    });
    expect(Object.hasOwn(descriptor.specs, "thread_state")).toBe(false);
    expect(descriptor.specs.interrupts?.[0]?.interrupt_type).toBe("approval");
  });

  it("getStatelessRun: creation nulls and a naive timestamp", async () => {
    const created = await client.createStatelessRun({
      agent_id: COMPOSER_ID,
      input: { topic: "tides" },
      config: { configurable: { style: "short" } },
    });
    const wire = JSON.parse(await rawJson(`/runs/${created.run_id}`));
    expect(wire.creation).toMatchObject({ metadata: null, webhook: null, after_seconds: null });
    expect(wire.creation.config).toEqual({
      tags: null,
      recursion_limit: null,
      configurable: { style: "short" },
    });
    expect(wire.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);

    const run = await client.getStatelessRun(created.run_id);
    expect(run.created_at).toBe(wire.created_at);
    expect(run.creation).toEqual({
      agent_id: COMPOSER_ID,
      input: { topic: "tides" },
      config: { configurable: { style: "short" } },
      // The spec declares stream_mode nullable: its null is a value, kept.
      stream_mode: null,
      on_disconnect: "cancel",
      multitask_strategy: "reject",
      on_completion: "delete",
    });
    const waited = await client.waitForStatelessRunOutput(created.run_id);
    expect(waited.output).toEqual({
      type: "result",
      values: { answer: "draft on tides, polished" },
    });
    expect(waited.run?.status).toBe("success");
  });

  it("searchStatelessRuns: every run of the list is read", async () => {
    const runs = await client.searchStatelessRuns({ agent_id: COMPOSER_ID });
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(Object.hasOwn(run.creation, "webhook")).toBe(false);
  });

  it("getThread: values and messages null are absent", async () => {
    const thread = await client.createThread({ metadata: { owner: "interop" } });
    const wire = JSON.parse(await rawJson(`/threads/${thread.thread_id}`));
    expect(wire).toMatchObject({ values: null, messages: null });
    const read = await client.getThread(thread.thread_id);
    expect(read).toEqual({
      thread_id: thread.thread_id,
      created_at: wire.created_at,
      updated_at: wire.updated_at,
      metadata: { owner: "interop" },
      status: "idle",
    });
  });
});

describe("error bodies say what the server said", () => {
  it('FastAPI {"detail": "..."}', async () => {
    const error = await client.getAgentById("no-such-agent").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as Error).message).toBe(
      'get_agent_by_id: (404) Not Found: Agent "no-such-agent" not found',
    );
    expect((error as NotFoundException).data).toEqual({
      detail: 'Agent "no-such-agent" not found',
    });
  });

  it('FastAPI {"detail": [{loc, msg, type}]}', async () => {
    const error = await client
      .createStatelessRun({ agent_id: COMPOSER_ID, input: { topic: "x" }, stream_mode: "values" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnprocessableEntityException);
    expect((error as Error).message).toBe(
      "create_stateless_run: (422) Unprocessable Entity: body.stream_mode: Input should be a valid dictionary or object to extract fields from (model_attributes_type)",
    );
  });

  it("a string detail from the agent's schema check", async () => {
    const error = await client
      .createStatelessRun({ agent_id: COMPOSER_ID, input: { topic: "x" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnprocessableEntityException);
    expect((error as Error).message).toBe(
      'create_stateless_run: (422) Unprocessable Entity: "config" is required for this agent',
    );
  });

  it("an empty body", async () => {
    const error = await client
      .waitForStatelessRunOutput("f0f0f0f0-0000-4000-8000-000000000000")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as Error).message).toBe(
      "wait_for_stateless_run_output: (404) Not Found: the answer has no body",
    );
  });

  it("a plain-text 500 and a detail 500", async () => {
    const search = await client
      .searchStatelessRuns({ agent_id: COMPOSER_ID, metadata: { any: "thing" } })
      .catch((e: unknown) => e);
    expect(search).toBeInstanceOf(ServiceException);
    expect((search as Error).message).toBe(
      "search_stateless_runs: (500) Internal Server Error: Internal Server Error",
    );
    const runs = await client.searchStatelessRuns({ agent_id: COMPOSER_ID });
    const cancel = await client.cancelStatelessRun(runs[0]?.run_id ?? "").catch((e: unknown) => e);
    expect(cancel).toBeInstanceOf(ServiceException);
    expect((cancel as Error).message).toBe(
      "cancel_stateless_run: (500) Internal Server Error: Not implemented",
    );
  });

  it("a wrong key", async () => {
    const stranger = new ACPClient({
      configuration: { host: standIn.url, apiKey: { "x-api-key": "wrong" } },
    });
    const error = await stranger.getAgentById(COMPOSER_ID).catch((e: unknown) => e);
    await stranger.close();
    expect(error).toBeInstanceOf(UnauthorizedException);
    expect((error as Error).message).toBe("get_agent_by_id: (401) Unauthorized: Invalid API Key");
  });
});
