/**
 * The retry loop (fetchWithRetry) as its policy drives it: when it sends again, what
 * it returns or rejects with once retries run out, a signal between attempts, an
 * attempt's timeout; and what the client's transport sends through it.
 */
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { AttemptTimeoutError, fetchWithRetry } from "../../src/core/fetch-with-retry.js";
import type { AttemptFailure, RetryPolicy } from "../../src/core/retry.js";
import { ACPClient } from "../../src/index.js";
import { agent, agentId } from "../helpers/fixtures.js";
import { sendJson, startServer, useScriptedServer } from "../helpers/http-server.js";

/** Answers in turn; a missing step answers 200 "ok". */
const server = useScriptedServer((res) => sendJson(res, 200, "ok"));

const answer =
  (status: number, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    sendJson(res, status, `answer ${status}`, headers);
const hold = () => undefined;

/** A policy that records what the loop asked and told it. */
function recording(overrides: Partial<RetryPolicy> = {}) {
  const asked: AttemptFailure[] = [];
  const retried: Array<[number, AttemptFailure]> = [];
  const waits: number[] = [];
  const policy: RetryPolicy = {
    retries: 3,
    maxRetryAfter: 60_000,
    shouldRetry: (failure) => {
      asked.push(failure);
      return true;
    },
    backoff: (retry) => {
      waits.push(retry);
      return 0;
    },
    onRetry: (retry, failure) => retried.push([retry, failure]),
    ...overrides,
  };
  return { policy, asked, retried, waits };
}

const post = (signal?: AbortSignal): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ hello: "world" }),
  signal,
});

describe("fetchWithRetry", () => {
  it("sends a 2xx request once, with its string body sized rather than chunked", async () => {
    const { policy, asked } = recording();
    const response = await fetchWithRetry(`${server.url}/x`, post(), policy);
    expect(response.status).toBe(200);
    expect(await response.json()).toBe("ok");
    expect(server.hits).toBe(1);
    expect(asked).toEqual([]);
    const [request] = server.requests;
    expect(request?.body).toBe('{"hello":"world"}');
    expect(request?.headers["content-length"]).toBe("17");
    expect(request?.headers["transfer-encoding"]).toBeUndefined();
  });

  it("sends the request again while the policy says so, then returns the success", async () => {
    server.script = [answer(502), answer(504)];
    const { policy, asked, retried, waits } = recording();
    const response = await fetchWithRetry(`${server.url}/x`, post(), policy);
    expect(response.status).toBe(200);
    expect(server.hits).toBe(3);
    expect(server.requests.map((r) => r.body)).toEqual(Array(3).fill('{"hello":"world"}'));
    expect(asked.map((f) => f.response?.status)).toEqual([502, 504]);
    expect(retried.map(([n, f]) => [n, f.response?.status])).toEqual([
      [1, 502],
      [2, 504],
    ]);
    expect(waits).toEqual([1, 2]);
  });

  it("returns the last error answer, body readable, when retries run out", async () => {
    server.script = [answer(503), answer(503), answer(503)];
    const { policy, retried } = recording({ retries: 2 });
    const response = await fetchWithRetry(`${server.url}/x`, post(), policy);
    expect(response.status).toBe(503);
    expect(await response.json()).toBe("answer 503");
    expect(server.hits).toBe(3);
    expect(retried).toHaveLength(2);
  });

  it("returns an error answer the policy does not retry at once", async () => {
    server.script = [answer(500)];
    const { policy, asked, retried } = recording({ shouldRetry: () => false });
    const response = await fetchWithRetry(`${server.url}/x`, post(), policy);
    expect(response.status).toBe(500);
    expect(server.hits).toBe(1);
    expect(asked).toEqual([]);
    expect(retried).toEqual([]);
  });

  it("waits as Retry-After says on the statuses that honour it, not by backoff", async () => {
    server.script = [answer(429, { "retry-after": "0" }), answer(503, { "retry-after": "0" })];
    const { policy } = recording({
      backoff: () => {
        throw new Error("backoff used where Retry-After was given");
      },
    });
    const response = await fetchWithRetry(`${server.url}/x`, post(), policy);
    expect(response.status).toBe(200);
    expect(server.hits).toBe(3);
  });

  it("uses backoff when a status's Retry-After is not honoured", async () => {
    server.script = [answer(502, { "retry-after": "0" })];
    const { policy, waits } = recording();
    const response = await fetchWithRetry(`${server.url}/x`, post(), policy);
    expect(response.status).toBe(200);
    expect(waits).toEqual([1]);
  });

  it("retries a connection error the policy allows, then rejects with the last one", async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const { policy, asked, retried } = recording({ retries: 2 });
    const error = await fetchWithRetry(`${closed.url}/x`, post(), policy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(asked).toHaveLength(2);
    expect(retried.map(([n]) => n)).toEqual([1, 2]);
    expect(asked.every((f) => f.response === undefined && f.error instanceof TypeError)).toBe(true);
  });

  it("rejects at once with the error of a connection the policy does not retry", async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const { policy, retried } = recording({ shouldRetry: () => false });
    await expect(fetchWithRetry(`${closed.url}/x`, post(), policy)).rejects.toBeInstanceOf(
      TypeError,
    );
    expect(retried).toEqual([]);
  });

  it("stops waiting between attempts when the signal fires, and sends nothing more", async () => {
    server.script = [answer(503)];
    const controller = new AbortController();
    const { policy } = recording({
      backoff: () => {
        queueMicrotask(() => controller.abort(new Error("caller gave up")));
        return 3_600_000;
      },
    });
    const error = await fetchWithRetry(`${server.url}/x`, post(controller.signal), policy).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe("caller gave up");
    expect(server.hits).toBe(1);
  });

  it("does not retry once the signal has fired", async () => {
    const controller = new AbortController();
    controller.abort(new Error("already gone"));
    const { policy, asked } = recording();
    const error = await fetchWithRetry(`${server.url}/x`, post(controller.signal), policy).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe("already gone");
    expect(asked).toEqual([]);
    expect(server.hits).toBe(0);
  });

  it("fails an attempt whose headers are late with AttemptTimeoutError, which the policy sees", async () => {
    server.script = [hold, hold];
    const { policy, asked } = recording({ attemptTimeout: 100, retries: 1 });
    const error = await fetchWithRetry(`${server.url}/x`, post(), policy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttemptTimeoutError);
    expect((error as AttemptTimeoutError).ms).toBe(100);
    expect(asked.map((f) => f.error)).toEqual([expect.any(AttemptTimeoutError)]);
    expect(server.hits).toBe(2);
  });
});

describe("the client's transport", () => {
  const client = (retries: number) =>
    ACPClient.fromConfiguration({ host: server.url, retries, debug: false });

  it("sends a POST body with Content-Length, not chunked", async () => {
    await client(0)
      .createStatelessRun({ agent_id: agentId })
      .catch(() => undefined);
    const [request] = server.requests;
    expect(request?.headers["content-length"]).toBe(String(request?.body.length));
    expect(request?.headers["transfer-encoding"]).toBeUndefined();
  });

  it("gives WithHttpInfo headers read from the answer", async () => {
    server.script = [(res) => sendJson(res, 200, agent, { "x-trace": "t-9" })];
    const info = await client(0).getAgentByIdWithHttpInfo(agentId);
    expect(info.headers["x-trace"]).toBe("t-9");
    expect(info.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(JSON.stringify(info)).headers["x-trace"]).toBe("t-9");
  });
});
