/**
 * A run-creating stream whose connection drops before its first event: the
 * client finds the run in the answer's `Content-Location` and joins the run's
 * `GET` stream from the first event.
 */
import type { ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ACPClient, type RunOutputStream } from "../../src/index.js";
import { type FaultServer, faultAgentIds, startFaultServer } from "../helpers/fault-servers.js";
import { agentId, runId, sseFrame, valuesEvent } from "../helpers/fixtures.js";
import { startServer, type TestServer } from "../helpers/http-server.js";
import { drop, startSse, write, writeEvents } from "../helpers/sse-server.js";
import { type FaultProxy, inTurn, startFaultProxy } from "../helpers/tcp-fault-proxy.js";

let acp: FaultServer;
let proxy: FaultProxy | undefined;
let server: TestServer | undefined;
beforeAll(async () => {
  acp = await startFaultServer();
});
afterEach(async () => {
  await proxy?.close();
  await server?.close();
  proxy = undefined;
  server = undefined;
});
afterAll(async () => {
  await acp?.close();
});

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

describe("a thread run's stream cut before its first event", () => {
  it("is joined through the thread run's GET stream: every event once, in order", async () => {
    const direct = quietClient(acp.url);
    const thread = await direct.createThread({});
    // The head of the answer, with its thread run Content-Location, is about 300
    // bytes and the first event ends past byte 450: the cut falls inside it.
    proxy = await startFaultProxy(acp.url, inTurn({ kind: "dropAfterBytes", bytes: 360 }));
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
