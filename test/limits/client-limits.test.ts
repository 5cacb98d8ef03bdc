/**
 * Each limit of the client against a local server that abuses it: a body or a
 * stream frame that would be 1 GiB (written only as fast as the client reads, so
 * what was written shows how far the client let it go), silence, keep-alives
 * and nothing else, one new event per connection, a body that stalls or trickles
 * without end, and a `Retry-After` past the call's deadline. Each one ends in its
 * own error, naming its limit.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ACPClient,
  ApiAbortError,
  ApiClientConfiguration,
  type ApiClientConfigurationOptions,
  ApiDeadlineExceededError,
  ApiFrameTooLargeError,
  ApiResponseBodyTimeoutError,
  ApiResponseIdleError,
  ApiResponseTooLargeError,
  ApiStreamIdleError,
  ApiStreamRejoinLimitError,
  type RunOutputStream,
} from "../../src/index.js";
import { agent, agentId, runId, sseFrame, statelessRun, valuesEvent } from "../helpers/fixtures.js";
import { flood, ONE_GIB } from "../helpers/flood.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";
import { drop, startSse, write } from "../helpers/sse-server.js";

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

  it("is set per request, over the configuration", async () => {
    scenario = (_req, res) => startSse(res);
    const { error } = await drain(
      client().streamStatelessRunOutput(runId, { limits: { streamIdleTimeout: 150 } }),
    );
    expect(error).toMatchObject({ name: "ApiStreamIdleError", value: 150 });
  });
});

/** Writes `text` a piece at a time, `gapMs` apart, then ends the answer. */
async function trickle(res: ServerResponse, text: string, pieces: number, gapMs: number) {
  const size = Math.ceil(text.length / pieces);
  for (let at = 0; at < text.length && !res.destroyed; at += size) {
    await write(res, text.slice(at, at + size));
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  res.end();
}

/** Writes a space every `gapMs` until the client hangs up: a body that never ends. */
async function spaceForever(res: ServerResponse, gapMs: number) {
  while (!res.destroyed && !res.writableEnded) {
    await write(res, " ");
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
}

const jsonHeaders = (res: ServerResponse, status = 200) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.flushHeaders();
};

/** The error a call ends in, or its result when it does not fail. */
const outcome = (call: Promise<unknown>) => call.catch((e: unknown) => e);

describe("responseIdleTimeout", () => {
  it("has a default, and so does responseBodyTimeout", () => {
    const { limits } = new ApiClientConfiguration();
    expect(limits.responseIdleTimeout).toBe(60_000);
    expect(limits.responseBodyTimeout).toBe(300_000);
  });

  it("ends an answer whose server sends its headers and then nothing, closing the connection", async () => {
    const closedBefore = server.closedConnections;
    scenario = (_req, res) => jsonHeaders(res);
    const error = await outcome(
      client({ limits: { responseIdleTimeout: 200 } }).getAgentById(agentId),
    );
    expect(error).toBeInstanceOf(ApiResponseIdleError);
    expect(error).toMatchObject({ limit: "responseIdleTimeout", value: 200 });
    expect((error as Error).message).toContain("get_agent_by_id");
    expect((error as Error).message).toContain("responseIdleTimeout (200 ms)");
    await vi.waitUntil(() => server.closedConnections > closedBefore);
  });

  it("ends a body that stops in the middle", async () => {
    scenario = async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 500 });
      await write(res, `{"agent_id":"${agentId}",`);
    };
    const error = await outcome(
      client({ limits: { responseIdleTimeout: 200 } }).getAgentByIdWithHttpInfo(agentId),
    );
    expect(error).toMatchObject({ name: "ApiResponseIdleError", limit: "responseIdleTimeout" });
  });

  it("ends an error answer whose body never comes", async () => {
    scenario = (_req, res) => jsonHeaders(res, 500);
    const error = await outcome(
      client({ limits: { responseIdleTimeout: 200 } }).getAgentById(agentId),
    );
    expect(error).toBeInstanceOf(ApiResponseIdleError);
  });

  it("lets a slow body through that keeps sending, however long it takes in all", async () => {
    // 24 pieces 25 ms apart: the body takes twice the limit, but no gap comes near it.
    scenario = (_req, res) => {
      jsonHeaders(res);
      void trickle(res, JSON.stringify(agent), 24, 25);
    };
    expect(await client({ limits: { responseIdleTimeout: 300 } }).getAgentById(agentId)).toEqual(
      agent,
    );
  });

  it("is set per request, over the configuration", async () => {
    scenario = (_req, res) => jsonHeaders(res);
    const error = await outcome(
      client().getAgentById(agentId, { limits: { responseIdleTimeout: 150 } }),
    );
    expect(error).toMatchObject({ name: "ApiResponseIdleError", value: 150 });
  });

  it("ends a body silent past a short limit while a read with a long one is under way", async () => {
    scenario = (_req, res) => jsonHeaders(res);
    const stop = new AbortController();
    let longSettled = false;
    const long = outcome(
      client().getAgentById(agentId, {
        limits: { responseIdleTimeout: 60_000 },
        signal: stop.signal,
      }),
    ).finally(() => {
      longSettled = true;
    });
    await vi.waitUntil(() => server.requests.length === 1);
    const short = await outcome(
      client().getAgentById(agentId, { limits: { responseIdleTimeout: 150 } }),
    );
    expect(short).toMatchObject({ name: "ApiResponseIdleError", value: 150 });
    expect(longSettled).toBe(false);
    stop.abort();
    expect(await long).toBeInstanceOf(ApiAbortError);
  });

  it("is read from <prefix>LIMITS by fromEnvPrefix", async () => {
    scenario = (_req, res) => jsonHeaders(res);
    const fromEnv = ACPClient.fromEnvPrefix(
      "AGENT_",
      {},
      {
        AGENT_HOST: server.url,
        AGENT_LIMITS: '{"responseIdleTimeout": 150}',
      },
    );
    const error = await outcome(fromEnv.getAgentById(agentId));
    expect(error).toMatchObject({ name: "ApiResponseIdleError", value: 150 });
  });
});

describe("responseBodyTimeout", () => {
  it("ends a body trickled a byte at a time without end, which is never idle", async () => {
    scenario = (_req, res) => {
      jsonHeaders(res);
      void spaceForever(res, 20);
    };
    const error = await outcome(
      client({ limits: { responseIdleTimeout: 5_000, responseBodyTimeout: 300 } }).getAgentById(
        agentId,
      ),
    );
    expect(error).toBeInstanceOf(ApiResponseBodyTimeoutError);
    expect(error).toMatchObject({ limit: "responseBodyTimeout", value: 300 });
    expect((error as Error).message).toContain("get_agent_by_id");
  });
});

describe("time limits on the body of a wait", () => {
  const waitAnswer = JSON.stringify({ run: { ...statelessRun, status: "success" } });
  const waits = [
    ["waitForStatelessRunOutput", (c: ACPClient) => c.waitForStatelessRunOutput(runId)],
    [
      "createAndWaitForStatelessRunOutput",
      (c: ACPClient) => c.createAndWaitForStatelessRunOutput({ agent_id: agentId }),
    ],
  ] as const;

  it.each(waits)("%s: a body held back past responseIdleTimeout is not cut", async (_, call) => {
    scenario = (_req, res) => {
      jsonHeaders(res);
      setTimeout(() => res.end(waitAnswer), 600);
    };
    const answer = await call(client({ limits: { responseIdleTimeout: 150 } }));
    expect(answer.run?.status).toBe("success");
  });

  it.each(waits)("%s: keep-alive bytes past responseBodyTimeout are not cut", async (_, call) => {
    scenario = (_req, res) => {
      jsonHeaders(res);
      void trickle(res, `${" ".repeat(24)}${waitAnswer}`, 25, 25);
    };
    const limits = { responseIdleTimeout: 400, responseBodyTimeout: 150 };
    const answer = await call(client({ limits }));
    expect(answer.run?.status).toBe("success");
  });

  it.each(waits)("%s: a body that starts and then stalls is cut", async (_, call) => {
    scenario = async (_req, res) => {
      jsonHeaders(res);
      await write(res, "{");
    };
    const error = await outcome(call(client({ limits: { responseIdleTimeout: 200 } })));
    expect(error).toBeInstanceOf(ApiResponseIdleError);
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
      // The retry loop's own signal stays inside: the last attempt got an answer, no error.
      expect((error as Error).cause).toBeUndefined();
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
