/**
 * Each limit of the client against a local server that abuses it: a body or a
 * stream frame that would be 1 GiB (written only as fast as the client reads, so
 * what was written shows how far the client let it go), silence, keep-alives
 * and nothing else, one new event per connection, and a `Retry-After` past the
 * call's deadline. Each one ends in its own error, naming its limit.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ACPClient,
  type ApiClientConfigurationOptions,
  ApiDeadlineExceededError,
  ApiFrameTooLargeError,
  ApiResponseTooLargeError,
  ApiStreamIdleError,
  ApiStreamRejoinLimitError,
  type RunOutputStream,
} from "../../src/index.js";
import { agent, agentId, runId, sseFrame, valuesEvent } from "../helpers/fixtures.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";
import { drop, startSse, write } from "../helpers/sse-server.js";
import { flood, ONE_GIB } from "./helpers/flood.js";

const MiB = 1024 * 1024;
/** Far below 1 GiB, far above what a client stopping at 1 MiB leaves in socket buffers. */
const READ_BOUND = 16 * MiB;

type Scenario = (req: IncomingMessage, res: ServerResponse, hit: number) => unknown;
let scenario: Scenario = (_req, res) => sendJson(res, 200, agent);
let server: TestServer;
/** What each hostile answer wrote before the client hung up. */
let written: Promise<number>[] = [];

beforeAll(async () => {
  server = await startServer((req, res, _body, hit) => {
    void scenario(req, res, hit);
  });
});
afterEach(() => {
  server.requests.length = 0;
  written = [];
});
afterAll(() => server.close());

function client(options: ApiClientConfigurationOptions = {}): ACPClient {
  return ACPClient.fromConfiguration({ host: server.url, retries: 3, ...options });
}

/** Every event of a stream, and the error that ended it. */
async function drain(
  stream: AsyncIterable<RunOutputStream>,
): Promise<{ ids: string[]; error: unknown }> {
  const ids: string[] = [];
  try {
    for await (const event of stream) ids.push(event.id);
  } catch (error) {
    return { ids, error };
  }
  return { ids, error: undefined };
}

describe("maxResponseBytes", () => {
  it("stops a 1 GiB body sent without a length at the limit", async () => {
    scenario = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      written.push(flood(res, `{"agent_id":"${agentId}","metadata":{"filler":"`));
    };
    const error = await client({ limits: { maxResponseBytes: MiB } })
      .getAgentById(agentId)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiResponseTooLargeError);
    expect(error).toMatchObject({ limit: "maxResponseBytes", value: MiB });
    expect((error as Error).message).toContain("get_agent_by_id");
    expect(await written[0]).toBeLessThan(READ_BOUND);
  });

  it("refuses a body whose Content-Length is over the limit before reading it", async () => {
    scenario = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": ONE_GIB });
      written.push(flood(res, "{"));
    };
    const error = await client({ limits: { maxResponseBytes: MiB } })
      .getAgentByIdWithHttpInfo(agentId)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ApiResponseTooLargeError", limit: "maxResponseBytes" });
    expect(await written[0]).toBeLessThan(READ_BOUND);
  });

  it("reads a body within the limit", async () => {
    scenario = (_req, res) => sendJson(res, 200, agent);
    expect(await client({ limits: { maxResponseBytes: 4096 } }).getAgentById(agentId)).toEqual(
      agent,
    );
  });
});

describe("maxSseFrameBytes", () => {
  it("stops a 1 GiB frame after the events before it", async () => {
    scenario = (_req, res) => {
      startSse(res);
      written.push(flood(res, `${sseFrame(valuesEvent(1))}id: 2\nevent: agent_event\ndata: "`));
    };
    const { ids, error } = await drain(
      client({ limits: { maxSseFrameBytes: MiB } }).streamStatelessRunOutput(runId),
    );
    expect(ids).toEqual(["1"]);
    expect(error).toBeInstanceOf(ApiFrameTooLargeError);
    expect(error).toMatchObject({ limit: "maxSseFrameBytes", value: MiB });
    expect(await written[0]).toBeLessThan(READ_BOUND);
    // The stream does not re-join after a limit: the server saw one request.
    expect(server.hits).toBe(1);
  });

  it("counts a frame's data lines even when comment lines come between them", async () => {
    const lines = Buffer.from(
      "data: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n: keep-alive\n".repeat(1024),
    );
    scenario = (_req, res) => {
      startSse(res);
      written.push(flood(res, "id: 1\nevent: agent_event\n", lines));
    };
    const { ids, error } = await drain(
      client({ limits: { maxSseFrameBytes: MiB } }).streamStatelessRunOutput(runId),
    );
    expect(ids).toEqual([]);
    expect(error).toBeInstanceOf(ApiFrameTooLargeError);
    expect(await written[0]).toBeLessThan(READ_BOUND);
  });
});

describe("streamIdleTimeout", () => {
  it("ends a stream that sends keep-alives and no event: keep-alives are not progress", async () => {
    let keepAlives = 0;
    scenario = async (_req, res) => {
      startSse(res);
      await write(res, sseFrame(valuesEvent(1)));
      while (!res.destroyed && !res.writableEnded) {
        await write(res, ": keep-alive\n\n");
        keepAlives += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const { ids, error } = await drain(
      client({ limits: { streamIdleTimeout: 300 } }).streamStatelessRunOutput(runId),
    );
    expect(ids).toEqual(["1"]);
    expect(error).toBeInstanceOf(ApiStreamIdleError);
    expect(error).toMatchObject({ limit: "streamIdleTimeout", value: 300, lastEventId: "1" });
    expect(keepAlives).toBeGreaterThan(0);
    expect(server.hits).toBe(1);
  });

  it("ends a stream that sends its headers and then nothing", async () => {
    scenario = (_req, res) => startSse(res);
    const { ids, error } = await drain(
      client({ limits: { streamIdleTimeout: 200 } }).streamStatelessRunOutput(runId),
    );
    expect(ids).toEqual([]);
    expect(error).toMatchObject({ name: "ApiStreamIdleError", lastEventId: undefined });
  });
});

describe("maxStreamRejoins", () => {
  it("stops re-joining a server that sends one new event per connection and drops it", async () => {
    scenario = async (req, res) => {
      const last = Number(req.headers["last-event-id"] ?? 0);
      startSse(res);
      await write(res, sseFrame(valuesEvent(last + 1)));
      await drop(res);
    };
    const { ids, error } = await drain(
      client({ retries: 3, limits: { maxStreamRejoins: 5 } }).streamStatelessRunOutput(runId),
    );
    expect(error).toBeInstanceOf(ApiStreamRejoinLimitError);
    expect(error).toMatchObject({ limit: "maxStreamRejoins", value: 5, lastEventId: "6" });
    expect(ids).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(server.connections).toBeGreaterThanOrEqual(6);
    expect(server.hits).toBe(6);
  });
});

describe("deadline", () => {
  const busy =
    (status: number, retryAfter: string) => (_req: IncomingMessage, res: ServerResponse) =>
      sendJson(res, status, "busy", { "retry-after": retryAfter });

  it.each([
    ["GET answered 503", 503, (c: ACPClient) => c.getAgentById(agentId)],
    ["POST answered 429", 429, (c: ACPClient) => c.createStatelessRun({ agent_id: agentId })],
  ])(
    "fails at once when the %s asks for a Retry-After past the deadline",
    async (_, status, call) => {
      scenario = busy(status, "3600");
      const error = await call(client({ limits: { deadline: 1000 } })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiDeadlineExceededError);
      expect(error).toMatchObject({ limit: "deadline", value: 1000 });
      expect((error as Error).message).toContain(`the last answer was ${status}`);
      expect(server.hits).toBe(1);
    },
  );

  it("aborts a retry still under way at the deadline", async () => {
    scenario = (req, res, hit) => {
      if (hit === 1) busy(503, "0")(req, res);
    };
    const error = await client({ limits: { deadline: 400 } })
      .getAgentById(agentId)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiDeadlineExceededError);
    expect(server.hits).toBe(2);
  });

  it("does not cut the first attempt: a slow answer still arrives", async () => {
    scenario = (_req, res) => {
      setTimeout(() => sendJson(res, 200, agent), 600);
    };
    expect(await client({ limits: { deadline: 100 } }).getAgentById(agentId)).toEqual(agent);
  });
});
