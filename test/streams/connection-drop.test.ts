/**
 * A run's stream whose connection drops: the client re-joins the run's `GET` stream
 * with `Last-Event-ID` and hands on every event once, in order. A run-creating
 * stream cut before its first event finds the run in the answer's
 * `Content-Location` and joins it from the first event; where no run is named, or
 * the re-joins are cut too, it ends in a typed error.
 */
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ACPClient, type RunOutputStream } from "../../src/index.js";
import { faultAgentIds, faultClient, useFaultServer } from "../helpers/fault-servers.js";
import { agentId, runId, sseFrame, valuesEvent } from "../helpers/fixtures.js";
import { startServer, type TestServer } from "../helpers/http-server.js";
import { drop, startSse, write, writeEvents } from "../helpers/sse-server.js";
import { inTurn } from "../helpers/tcp-fault-proxy.js";

const faults = useFaultServer();
const { proxyWith } = faults;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const run = {
  agent_id: faultAgentIds.custom,
  input: { count: 100 },
  stream_mode: "custom" as const,
  on_disconnect: "continue" as const,
};

/** Every event of a finished run, replayed by the server from the start. */
async function allEvents(runId: string): Promise<RunOutputStream[]> {
  const direct = faultClient(faults.server.url);
  const events: RunOutputStream[] = [];
  for await (const event of direct.streamStatelessRunOutput(runId, { lastEventId: "0" })) {
    events.push(event);
  }
  return events;
}

const quietClient = (url: string, retries = 2) =>
  ACPClient.fromConfiguration({ host: url, retries, logger: { debug: () => undefined } });

async function collect(stream: AsyncIterable<RunOutputStream>): Promise<RunOutputStream[]> {
  const events: RunOutputStream[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** Starts an event stream, sends a keep-alive comment, and cuts the connection. */
async function dropBeforeFirstEvent(res: ServerResponse, headers: Record<string, string> = {}) {
  res.writeHead(200, { "content-type": "text/event-stream", ...headers });
  await write(res, ": keep-alive\n\n");
  await drop(res);
}

describe("a stream whose connection drops midway", () => {
  it.each([
    ["inside a later event", [2_500]],
    ["twice in a row, each time after some events", [1_800, 1_500]],
    ["three times, the last one inside the headers of the re-join", [2_000, 3_000, 40]],
  ])("re-joins with Last-Event-ID when cut %s: every event once, in order", async (_, cuts) => {
    const p = await proxyWith(
      inTurn(...cuts.map((bytes) => ({ kind: "dropAfterBytes" as const, bytes }))),
    );
    const client = faultClient(p.url, { retries: 3 });
    const stream = client.createAndStreamStatelessRunOutput(run);
    const seen: RunOutputStream[] = [];
    for await (const event of stream) seen.push(event);

    expect(p.connections).toBe(cuts.length + 1);
    const runId = stream.runId;
    expect(runId).toBeDefined();
    const expected = await allEvents(runId as string);
    expect(expected.filter((e) => e.data.type === "custom")).toHaveLength(100);
    expect(seen.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(seen).toEqual(expected);
  });

  it("re-joins a run-creating stream cut before its first event from the start: every event once, in order, the run made once", async () => {
    // The answer's head (with Content-Location) is about 250 bytes and the first
    // event ends near byte 400, so the cut falls inside the first event.
    const p = await proxyWith(inTurn({ kind: "dropAfterBytes", bytes: 300 }));
    const client = faultClient(p.url, { retries: 3 });
    const text = `cut-before-first-${Date.now()}`;
    const stream = client.createAndStreamStatelessRunOutput({
      agent_id: faultAgentIds.counting,
      input: { text },
      stream_mode: "values",
    });
    const seen: RunOutputStream[] = [];
    for await (const event of stream) seen.push(event);

    const made = await faultClient(faults.server.url).searchStatelessRuns({
      agent_id: faultAgentIds.counting,
    });
    const mine = made.filter((r) => (r.creation.input as { text?: string }).text === text);
    expect(mine).toHaveLength(1);
    expect(stream.runId).toBe(mine[0]?.run_id);
    expect(p.connections).toBe(2);
    const expected = await allEvents(mine[0]?.run_id as string);
    expect(expected.length).toBeGreaterThan(0);
    expect(seen).toEqual(expected);
    expect(seen.at(-1)?.data).toMatchObject({
      status: "success",
      values: { reply: `done: ${text}` },
    });
  });

  it("gives up with a typed error when every re-join is cut too, after the events it got", async () => {
    const p = await proxyWith((n) => ({ kind: "dropAfterBytes", bytes: n === 1 ? 2_000 : 10 }));
    const client = faultClient(p.url, { retries: 2 });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of client.createAndStreamStatelessRunOutput(run)) seen.push(event.id);
    })().catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "ApiStreamRejoinError" });
    expect((error as Error).message).toContain(`after event ${seen.at(-1)}`);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual(seen.map((_, i) => String(i + 1)));
    // The first connection, then one connection per re-join: a re-join is a single
    // attempt (no transport retries inside it), and `retries` bounds the re-joins.
    expect(p.connections).toBe(1 + 2);
  });
});

describe("a thread run's stream cut before its first event", () => {
  it("is joined through the thread run's GET stream: every event once, in order", async () => {
    const direct = quietClient(faults.server.url);
    const thread = await direct.createThread({});
    // The head of the answer, with its thread run Content-Location, is about 300
    // bytes and the first event ends past byte 450: the cut falls inside it.
    const proxy = await proxyWith(inTurn({ kind: "dropAfterBytes", bytes: 360 }));
    const stream = quietClient(proxy.url).createAndStreamThreadRunOutput(thread.thread_id, {
      agent_id: faultAgentIds.custom,
      input: { count: 20 },
      stream_mode: "custom",
      on_disconnect: "continue",
    });
    const seen = await collect(stream);

    expect(proxy.connections).toBe(2);
    const runs = await direct.listThreadRuns(thread.thread_id);
    expect(runs).toHaveLength(1);
    expect(stream.runId).toBe(runs[0]?.run_id);
    const expected = await collect(
      direct.streamThreadRunOutput(thread.thread_id, stream.runId as string, { lastEventId: "0" }),
    );
    expect(expected.filter((e) => e.data.type === "custom")).toHaveLength(20);
    expect(seen).toEqual(expected);
  });
});

describe("a run-creating stream cut before its first event, against a hand-made server", () => {
  it("joins the run named by an absolute Content-Location, asking for events after 0", async () => {
    const events = [1, 2, 3].map((n) => valuesEvent(n));
    server = await startServer(async (req, res) => {
      if (req.method === "POST") {
        await dropBeforeFirstEvent(res, {
          "content-location": `http://elsewhere.example/threads/t-1/runs/${runId}?view=full`,
        });
        return;
      }
      startSse(res);
      await writeEvents(res, events);
      res.end();
    });
    const stream = quietClient(server.url).createAndStreamStatelessRunOutput({ agent_id: agentId });

    expect(await collect(stream)).toEqual(events);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /runs/stream",
      `GET /runs/${runId}/stream`,
    ]);
    expect(server.requests[1]?.headers["last-event-id"]).toBe("0");
    expect(stream.runId).toBe(runId);
  });

  it("without Content-Location ends in ApiStreamRejoinError, trying no re-join", async () => {
    server = await startServer((_req, res) => dropBeforeFirstEvent(res));
    const error = await collect(
      quietClient(server.url).createAndStreamStatelessRunOutput({ agent_id: agentId }),
    ).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "ApiStreamRejoinError", lastEventId: undefined });
    expect((error as Error).message).toMatch(
      /^create_and_stream_stateless_run_output: the stream dropped before any event and cannot be re-joined: no run id is known yet/,
    );
    expect(server.requests.map((r) => r.method)).toEqual(["POST"]);
  });

  it("with a Content-Location that names no run ends the same way", async () => {
    server = await startServer((_req, res) =>
      dropBeforeFirstEvent(res, { "content-location": "/runs/" }),
    );
    const error = await collect(
      quietClient(server.url).createAndStreamStatelessRunOutput({ agent_id: agentId }),
    ).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "ApiStreamRejoinError" });
    expect(server.requests).toHaveLength(1);
  });

  it("that the server cut inside the first frame and then ended cleanly is an ApiValueError, not a re-join", async () => {
    server = await startServer(async (_req, res) => {
      startSse(res);
      const first = sseFrame(valuesEvent(1));
      await write(res, first.slice(0, 30));
      res.end();
    });
    const error = await collect(
      quietClient(server.url).createAndStreamStatelessRunOutput({ agent_id: agentId }),
    ).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "ApiValueError" });
    expect((error as Error).message).toMatch(
      /^create_and_stream_stateless_run_output: the stream ended before any event in the middle of an event/,
    );
    expect(server.requests).toHaveLength(1);
  });
});
