/**
 * The client follows the Python reference server's streams and waits, over real
 * HTTP against the stand-in of `reference-server/server.ts`: bare `:` keep-alives
 * glued in front of the next frame or left at the end, a re-joined stream that
 * ignores `Last-Event-ID` and numbers from 1 again, and a wait answered 204.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ACPClient,
  ApiStreamRejoinIdError,
  ApiTimeoutError,
  ApiWaitNoContentError,
  type RunOutputStream,
} from "../../src/index.js";
import {
  APPROVER_ID,
  approverAgent,
  COMPOSER_ID,
  composerAgent,
  type Pause,
} from "./reference-server/agents.js";
import { type StandInServer, startReferenceServer } from "./reference-server/server.js";

/** What each agent waits for between its two steps; set by each test. */
let composerPause: Pause = () => Promise.resolve();
let approverPause: Pause = () => Promise.resolve();
let standIn: StandInServer;
let client: ACPClient;

beforeAll(async () => {
  standIn = await startReferenceServer({
    agents: [composerAgent(() => composerPause()), approverAgent(() => approverPause())],
    keepAliveMs: 20,
    waitTimeoutMs: 50,
  });
  client = new ACPClient({ configuration: { host: standIn.url, retries: 3 } });
});

afterAll(async () => {
  await client.close();
  await standIn.close();
});

const composerRun = (topic: string) => ({
  agent_id: COMPOSER_ID,
  input: { topic },
  config: { configurable: { style: "plain" } },
});

/** Resolves once `check` holds, looking again every few milliseconds. */
async function until(check: () => boolean): Promise<void> {
  await vi.waitUntil(check, { timeout: 10_000, interval: 5 });
}

describe("keep-alives as the reference writes them", () => {
  it("reads the event behind a bare ':' glued to its id line, with the last id", async () => {
    composerPause = () => standIn.keepAliveSent();
    const events: RunOutputStream[] = [];
    for await (const event of client.createAndStreamStatelessRunOutput(composerRun("rain"))) {
      events.push(event);
    }
    const bytes = standIn.streams.at(-1)?.chunks.join("") ?? "";
    expect(bytes).toMatch(/\n\n:+id: 2\nevent: agent_event\ndata: \{"type": "values", /);
    expect(events.map((e) => e.id)).toEqual(["1", "1"]);
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({ type: "values", values: { draft: "draft on rain" } }),
      expect.objectContaining({ type: "values", values: { answer: "draft on rain, polished" } }),
    ]);
  });

  it("ends cleanly on a keep-alive that is the last thing the body sends", async () => {
    approverPause = () => standIn.keepAliveSent();
    const stream = client.createAndStreamStatelessRunOutput({
      agent_id: APPROVER_ID,
      input: { request: "leave" },
    });
    const events: RunOutputStream[] = [];
    for await (const event of stream) events.push(event);
    const chunks = standIn.streams.at(-1)?.chunks ?? [];
    expect(chunks.at(-1)).toBe(":");
    expect(events.map((e) => [e.id, e.data])).toEqual([
      [
        "1",
        {
          type: "values",
          run_id: stream.runId,
          status: "pending",
          values: { question: "approve leave?" },
        },
      ],
    ]);
    // The interrupt itself is not streamed by the reference: the wait answer has it, wrapped.
    const waited = await client.waitForStatelessRunOutput(stream.runId as string);
    expect(waited.output).toEqual({
      type: "interrupt",
      interrupt: { approval: { question: "approve leave?" } },
    });
  });
});

describe("re-joining a stream that numbers each connection from 1", () => {
  async function dropAfterFirstEvent(options: { rejoinIds?: "per-connection" } = {}) {
    const streamsBefore = standIn.streams.length;
    // The second step waits until the re-joined connection is there, so nothing is
    // produced while the client is away.
    composerPause = () => until(() => standIn.streams.length === streamsBefore + 2);
    standIn.faults.dropNextStreamAfter = 1;
    const stream = client.createAndStreamStatelessRunOutput(composerRun("snow"), options);
    const events: RunOutputStream[] = [];
    const error = await (async () => {
      for await (const event of stream) events.push(event);
    })().catch((e: unknown) => e);
    const rejoin = standIn.streams[streamsBefore + 1];
    expect(rejoin?.method).toBe("GET");
    expect(rejoin?.url).toBe(`/runs/${stream.runId}/stream`);
    expect(rejoin?.lastEventId).toBe("1");
    return { events, error };
  }

  it("by default says it cannot tell old from new, after the events it delivered", async () => {
    const { events, error } = await dropAfterFirstEvent();
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({ values: { draft: "draft on snow" } }),
    ]);
    expect(error).toBeInstanceOf(ApiStreamRejoinIdError);
    expect(error).toMatchObject({ lastEventId: "1", receivedId: "1" });
  });

  it('delivers every event with rejoinIds "per-connection"', async () => {
    const { events, error } = await dropAfterFirstEvent({ rejoinIds: "per-connection" });
    expect(error).toBeUndefined();
    expect(events.map((e) => [e.id, e.data])).toEqual([
      ["1", expect.objectContaining({ values: { draft: "draft on snow" } })],
      ["1", expect.objectContaining({ values: { answer: "draft on snow, polished" } })],
    ]);
  });
});

describe("a wait answered 204", () => {
  const waitsOn = (runId: string) =>
    standIn.requests.filter((r) => r === `GET /runs/${runId}/wait`).length;

  it("waits again until the output is there", async () => {
    let runId = "";
    composerPause = () => until(() => waitsOn(runId) >= 3);
    const run = await client.createStatelessRun(composerRun("fog"));
    runId = run.run_id;
    const answer = await client.waitForStatelessRunOutput(runId);
    expect(answer.output).toEqual({ type: "result", values: { answer: "draft on fog, polished" } });
    expect(waitsOn(runId)).toBeGreaterThanOrEqual(3);
  });

  it("ends with the caller's timeout when the run does not stop", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    composerPause = () => released;
    const run = await client.createStatelessRun(composerRun("ice"));
    const error = await client
      .waitForStatelessRunOutput(run.run_id, { timeout: 400 })
      .catch((e: unknown) => e);
    release();
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect(waitsOn(run.run_id)).toBeGreaterThanOrEqual(2);
  });

  it("is a typed error for a wait that created its run, which the answer does not name", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    composerPause = () => released;
    const error = await client
      .createAndWaitForStatelessRunOutput(composerRun("hail"))
      .catch((e: unknown) => e);
    release();
    expect(error).toBeInstanceOf(ApiWaitNoContentError);
    expect((error as ApiWaitNoContentError).status).toBe(204);
    expect((error as Error).message).toMatch(
      /^create_and_wait_for_stateless_run_output: \(204\) No Content: the server's wait ended before the run did/,
    );
  });
});
