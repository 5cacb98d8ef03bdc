import type { IncomingMessage, ServerResponse } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import {
  ACPClient,
  ApiAbortError,
  ApiStreamRejoinError,
  ApiStreamRejoinIdError,
  ApiValueError,
  NotFoundException,
  type RunOutputStream,
} from "../../src/index.js";
import { agentId, runId, sseFrame, threadId, valuesEvent } from "../helpers/fixtures.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";
import { drop, startSse, write, writeEvents } from "../helpers/sse-server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type StreamHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  hit: number,
) => void | Promise<void>;
async function serve(handler: StreamHandler): Promise<TestServer> {
  server = await startServer((req, res, _body, hit) => handler(req, res, hit));
  return server;
}
const client = (s: TestServer, retries = 3) =>
  ACPClient.fromConfiguration({ host: s.url, retries });
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => valuesEvent(from + i));
const ids = (events: RunOutputStream[]) => events.map((e) => e.id);
async function collect(stream: AsyncIterable<RunOutputStream>): Promise<RunOutputStream[]> {
  const out: RunOutputStream[] = [];
  for await (const event of stream) out.push(event);
  return out;
}

describe("streams over HTTP", () => {
  it("deliver events written one byte per chunk", async () => {
    const events = [
      valuesEvent(1, "ünïcödé ✓"),
      valuesEvent(2, { deep: [1, 2, 3] }),
      valuesEvent(3),
    ];
    const text = `: keep-alive\n\n${events.map(sseFrame).join("")}`;
    const s = await serve(async (_req, res) => {
      startSse(res);
      for (const byte of Buffer.from(text)) {
        await write(res, Uint8Array.of(byte));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const got = await collect(client(s).streamStatelessRunOutput(runId));
    expect(got).toEqual(events);
    expect(s.requests[0]?.headers.accept).toBe("text/event-stream");
  });

  it("start the request only when iteration starts", async () => {
    const s = await serve((_req, res) => {
      startSse(res);
      res.end(sseFrame(valuesEvent(1)));
    });
    const stream = client(s).createAndStreamStatelessRunOutput({ agent_id: agentId });
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.hits).toBe(0);
    expect(ids(await collect(stream))).toEqual(["1"]);
    expect(stream.lastEventId).toBe("1");
    expect(stream.runId).toBe(runId);
  });

  it("carry status and headers in the WithHttpInfo flavour", async () => {
    const s = await serve((_req, res) => {
      startSse(res);
      res.end(sseFrame(valuesEvent(1)));
    });
    const info = await client(s).streamThreadRunOutputWithHttpInfo(threadId, runId);
    expect(info.statusCode).toBe(200);
    expect(info.headers["content-type"]).toBe("text/event-stream");
    expect(ids(await collect(info.data))).toEqual(["1"]);
  });

  it("send Last-Event-ID when asked to join from a known event", async () => {
    const s = await serve((_req, res) => {
      startSse(res);
      res.end(sseFrame(valuesEvent(8)));
    });
    const stream = client(s).streamStatelessRunOutput(runId, { lastEventId: "7" });
    expect(stream.lastEventId).toBe("7");
    await collect(stream);
    expect(s.requests[0]?.headers["last-event-id"]).toBe("7");
  });

  it("fail with the status exception when the stream is refused", async () => {
    const s = await serve((_req, res) => sendJson(res, 404, "no such run"));
    await expect(collect(client(s).streamStatelessRunOutput(runId))).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it("fail on a bad event with an error naming the operation, event id and field", async () => {
    const s = await serve((_req, res) => {
      startSse(res);
      res.end(
        `${sseFrame(valuesEvent(1))}id: 2\nevent: agent_event\ndata: {"type":"values","run_id":"r","status":"bogus","values":{}}\n\n`,
      );
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of client(s).streamStatelessRunOutput(runId)) seen.push(event.id);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["1"]);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as Error).message).toMatch(
      /stream_stateless_run_output: stream event "2".*data\.status/,
    );
  });
});

describe("closing a stream", () => {
  it("closes the connection when the consumer breaks out of the loop", async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const s = await serve(async (req, res) => {
      startSse(res);
      req.socket.once("close", closed);
      for (let i = 1; !res.destroyed; i++) {
        await writeEvents(res, [valuesEvent(i)]);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    const got: string[] = [];
    for await (const event of client(s).streamStatelessRunOutput(runId)) {
      got.push(event.id);
      if (got.length === 2) break;
    }
    await serverSawClose;
    expect(got).toEqual(["1", "2"]);
    expect(s.closedConnections).toBe(1);
  });

  it("stops with ApiAbortError and closes the connection when the signal fires", async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const s = await serve(async (req, res) => {
      startSse(res);
      req.socket.once("close", closed);
      await writeEvents(res, range(1, 2));
    });
    const controller = new AbortController();
    const got: string[] = [];
    const error = await (async () => {
      for await (const event of client(s).streamStatelessRunOutput(runId, {
        signal: controller.signal,
      })) {
        got.push(event.id);
        if (got.length === 2) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiAbortError);
    expect(got).toEqual(["1", "2"]);
    await serverSawClose;
  });
});

describe("re-joining a dropped stream", () => {
  it("continues a GET stream from Last-Event-ID, each event once and in order", async () => {
    const s = await serve(async (req, res, hit) => {
      startSse(res);
      if (hit === 1) {
        await writeEvents(res, range(1, 5));
        return drop(res);
      }
      const after = Number(req.headers["last-event-id"]);
      await writeEvents(res, range(after + 1, 10));
      res.end();
    });
    const stream = client(s).streamStatelessRunOutput(runId);
    expect(ids(await collect(stream))).toEqual(ids(range(1, 10)));
    expect(s.hits).toBe(2);
    expect(s.connections).toBe(2);
    expect(s.requests[1]?.headers["last-event-id"]).toBe("5");
    expect(stream.lastEventId).toBe("10");
  });

  it("skips the events a server replays on re-join, when told it replays", async () => {
    const s = await serve(async (_req, res, hit) => {
      startSse(res);
      await writeEvents(res, range(1, hit === 1 ? 4 : 6));
      if (hit === 1) drop(res);
      else res.end();
    });
    const stream = client(s).streamStatelessRunOutput(runId, { rejoinIds: "replay" });
    expect(ids(await collect(stream))).toEqual(ids(range(1, 6)));
  });

  it("by default ends in ApiStreamRejoinIdError when a re-joined stream repeats ids", async () => {
    const s = await serve(async (_req, res, hit) => {
      startSse(res);
      await writeEvents(res, range(1, hit === 1 ? 4 : 6));
      if (hit === 1) drop(res);
      else res.end();
    });
    const got: string[] = [];
    const error = await (async () => {
      for await (const event of client(s).streamStatelessRunOutput(runId)) got.push(event.id);
    })().catch((e: unknown) => e);
    expect(got).toEqual(["1", "2", "3", "4"]);
    expect(error).toBeInstanceOf(ApiStreamRejoinIdError);
    expect(error).toMatchObject({ lastEventId: "4", receivedId: "1" });
  });

  it("re-joins a stream that created a run through that run's GET stream", async () => {
    const s = await serve(async (req, res, hit) => {
      startSse(res);
      if (hit === 1) {
        await writeEvents(res, range(1, 3));
        return drop(res);
      }
      await writeEvents(res, range(Number(req.headers["last-event-id"]) + 1, 6));
      res.end();
    });
    const got = await collect(
      client(s).createAndStreamThreadRunOutput(threadId, { agent_id: agentId }),
    );
    expect(ids(got)).toEqual(ids(range(1, 6)));
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST /threads/${threadId}/runs/stream`,
      `GET /threads/${threadId}/runs/${runId}/stream`,
    ]);
    expect(s.requests[1]?.headers["last-event-id"]).toBe("3");
  });

  it("fails with ApiStreamRejoinError when the server refuses the re-join", async () => {
    const s = await serve(async (_req, res, hit) => {
      if (hit > 1) return sendJson(res, 404, "stream expired");
      startSse(res);
      await writeEvents(res, range(1, 2));
      drop(res);
    });
    const got: string[] = [];
    const error = await (async () => {
      for await (const event of client(s).streamStatelessRunOutput(runId)) got.push(event.id);
    })().catch((e: unknown) => e);
    expect(got).toEqual(["1", "2"]);
    expect(error).toBeInstanceOf(ApiStreamRejoinError);
    expect((error as ApiStreamRejoinError).lastEventId).toBe("2");
    expect((error as Error).message).toMatch(/refused to re-join it \(404\)/);
  });

  it("fails with ApiStreamRejoinError after the configured attempts", async () => {
    const s = await serve(async (_req, res, hit) => {
      startSse(res);
      if (hit === 1) await writeEvents(res, range(1, 1));
      drop(res);
    });
    const error = await collect(client(s, 2).streamStatelessRunOutput(runId)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiStreamRejoinError);
    expect((error as Error).message).toMatch(/could not be re-joined \(2 attempts\)/);
    expect(s.hits).toBe(3);
  });

  it("cannot re-join a run-creating stream that dropped before naming its run", async () => {
    const s = await serve((_req, res) => {
      startSse(res);
      drop(res);
    });
    const error = await collect(
      client(s).createAndStreamStatelessRunOutput({ agent_id: agentId }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiStreamRejoinError);
    expect((error as Error).message).toMatch(/no run id is known/);
    expect(s.hits).toBe(1);
  });
});

describe("a long stream", () => {
  it("is consumed with flat memory (100,000 events)", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const total = 100_000;
    const padding = "x".repeat(300);
    const s = await serve(async (_req, res) => {
      startSse(res);
      for (let i = 1; i <= total; i++) {
        await write(res, sseFrame(valuesEvent(i, padding)));
      }
      res.end();
    });
    let count = 0;
    let lastId = "";
    let heapAtStart = 0;
    for await (const event of client(s).streamStatelessRunOutput(runId)) {
      count++;
      lastId = event.id;
      if (count === 5_000) {
        gc();
        heapAtStart = process.memoryUsage().heapUsed;
      }
    }
    gc();
    const growth = process.memoryUsage().heapUsed - heapAtStart;
    expect(count).toBe(total);
    expect(lastId).toBe(String(total));
    // Keeping the events would take well over 40 MB (about 400 bytes each).
    expect(growth).toBeLessThan(15 * 1024 * 1024);
  });
});

describe("a stream answer in another format", () => {
  it("is an ApiValueError, not an empty stream", async () => {
    const s = await serve((_req, res) => sendJson(res, 200, { not: "a stream" }));
    const error = await collect(client(s).streamStatelessRunOutput(runId)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as Error).message).toMatch(
      /stream_stateless_run_output: expected a text\/event-stream answer, got application\/json/,
    );
  });
});
