/**
 * Which client calls are sent again, after which failure, and how many times: over
 * a scripted server (exact statuses and headers) and through a fault proxy in front
 * of a real ACP server, whose counting agent tells whether a POST ran once or twice.
 */
import type { ServerResponse } from "node:http";
import { describe, expect, it, vi } from "vitest";
import {
  ACPClient,
  ApiConnectionError,
  type ApiException,
  ApiTimeoutError,
  BadRequestException,
  ServiceException,
} from "../../src/index.js";
import {
  faultAgentIds,
  faultClient,
  retryLines,
  useFaultServer,
} from "../helpers/fault-servers.js";
import { agent, agentId } from "../helpers/fixtures.js";
import { sendJson, useScriptedServer } from "../helpers/http-server.js";
import { type Fault, inTurn, rawAnswer, refusingUrl } from "../helpers/tcp-fault-proxy.js";

/** Answers in turn; a missing step answers 200 with the agent. */
const server = useScriptedServer((res) => sendJson(res, 200, agent));
const faults = useFaultServer();
const { proxyWith } = faults;

const status =
  (code: number, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    sendJson(res, code, "try later", headers);

const reasons: Record<number, string> = {
  429: "Too Many Requests",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};
/** The proxy answers in the server's place with `status`, and Retry-After if given. */
const busy = (status: 429 | 502 | 503 | 504, retryAfter?: string): Fault => ({
  kind: "respond",
  raw: rawAnswer(
    status,
    reasons[status] as string,
    "busy",
    retryAfter === undefined ? {} : { "retry-after": retryAfter },
  ),
});
const countingRun = (text: string) => ({ agent_id: faultAgentIds.counting, input: { text } });
/** A retry line without its prefix: `retry 1 of get_agent_by_id after status 503`. */
const retried = (logs: readonly string[]) =>
  retryLines(logs).map((l) => l.replace(/^.* retry/, "retry"));

/** Runs `body` and says how many times the counting agent executed meanwhile. */
async function executionsDuring(body: () => Promise<unknown>): Promise<[number, unknown]> {
  const before = faults.server.executions;
  const outcome = await body().catch((e: unknown) => e);
  return [faults.server.executions - before, outcome];
}

describe("answers that ask to try again", () => {
  it("a GET answered 408, 502, 503 or 504 is sent again, with backoff, until it succeeds", async () => {
    server.script = [status(408), status(502), status(503), status(504)];
    const logs: string[] = [];
    expect(await faultClient(server.url, { retries: 4 }, logs).getAgentById(agentId)).toEqual(
      agent,
    );
    expect(server.hits).toBe(5);
    expect(retried(logs)).toEqual([
      "retry 1 of get_agent_by_id after status 408",
      "retry 2 of get_agent_by_id after status 502",
      "retry 3 of get_agent_by_id after status 503",
      "retry 4 of get_agent_by_id after status 504",
    ]);
  });

  it.each([
    [429, 429],
    [503, 503],
    [429, 503],
  ] as const)(
    "a POST answered %i, then %i, with Retry-After (it was not processed) is sent again and runs exactly once",
    async (first, second) => {
      const p = await proxyWith(inTurn(busy(first, "0"), busy(second, "0")));
      const logs: string[] = [];
      const client = faultClient(p.url, { retries: 3 }, logs);
      const [runs, output] = await executionsDuring(() =>
        client.createAndWaitForStatelessRunOutput(countingRun("busy")),
      );
      expect(output).toMatchObject({
        run: { status: "success" },
        output: { values: { reply: "done: busy" } },
      });
      expect(runs).toBe(1);
      expect(retryLines(logs)).toHaveLength(2);
      expect(p.connections).toBe(3);
      expect(p.forwarded).toBe(1);
    },
  );

  it("waits as long as Retry-After says: a 5 s wait outlasts a 300 ms timeout", async () => {
    server.script = [status(429, { "retry-after": "5" })];
    const error = await faultClient(server.url, { retries: 2 })
      .createStatelessRun({ agent_id: agentId }, { timeout: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect(server.hits).toBe(1);
  });

  it("gives up after the configured retries with ServiceException carrying the status", async () => {
    const p = await proxyWith(() => busy(503, "0"));
    const get = await faultClient(p.url, { retries: 1 })
      .getAgentById(faultAgentIds.echo)
      .catch((e: unknown) => e);
    expect(get).toBeInstanceOf(ServiceException);
    expect(p.connections).toBe(2);

    const logs: string[] = [];
    const client = faultClient(p.url, { retries: 2 }, logs);
    const [runs, error] = await executionsDuring(() =>
      client.createAndWaitForStatelessRunOutput(countingRun("never")),
    );
    expect(error).toBeInstanceOf(ServiceException);
    expect((error as ApiException).status).toBe(503);
    expect(retryLines(logs)).toHaveLength(2);
    expect(p.connections - 2).toBe(3);
    expect(runs).toBe(0);
  });

  it("does not send again after other errors", async () => {
    server.script = [status(400)];
    await expect(
      faultClient(server.url, { retries: 2 }).getAgentById(agentId),
    ).rejects.toBeInstanceOf(BadRequestException);
    expect(server.hits).toBe(1);
  });

  it.each([502, 503, 504] as const)(
    "does not resend a POST answered %i without Retry-After: it may have been processed",
    async (code) => {
      const p = await proxyWith(inTurn(busy(code)));
      const logs: string[] = [];
      const client = faultClient(p.url, { retries: 3 }, logs);
      const error = await client.createStatelessRun(countingRun("maybe")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceException);
      expect(retryLines(logs)).toHaveLength(0);
      expect(p.connections).toBe(1);
    },
  );
});

describe("lost connections", () => {
  it("never runs a POST twice when its answer is lost after the server got it", async () => {
    const p = await proxyWith(() => ({ kind: "dropAnswer" }));
    const logs: string[] = [];
    const client = faultClient(p.url, { retries: 3 }, logs);
    const [runs, error] = await executionsDuring(() =>
      client.createAndWaitForStatelessRunOutput(countingRun("lost")),
    );
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect((error as Error).message).toContain("create_and_wait_for_stateless_run_output");
    expect(runs).toBe(1);
    expect(p.forwarded).toBe(1);
    expect(retryLines(logs)).toHaveLength(0);
  });

  it("resends a GET whose answer was lost, and gets it", async () => {
    const p = await proxyWith(inTurn({ kind: "dropAnswer" }, { kind: "reset" }));
    const logs: string[] = [];
    const client = faultClient(p.url, { retries: 3 }, logs);
    const agent = await client.getAgentById(faultAgentIds.echo);
    expect(agent.agent_id).toBe(faultAgentIds.echo);
    expect(retryLines(logs)).toHaveLength(2);
    expect(p.connections).toBe(3);
  });
});

describe("refused connections", () => {
  it("retries a GET and a POST alike (they never reached a server), then fails with ApiConnectionError naming the cause", async () => {
    const url = await refusingUrl();
    const port = new URL(url).port;
    const calls = [
      ["get_agent_by_id", (c: ACPClient) => c.getAgentById(faultAgentIds.echo)],
      ["create_stateless_run", (c: ACPClient) => c.createStatelessRun(countingRun("refused"))],
      [
        "create_and_wait_for_stateless_run_output",
        (c: ACPClient) => c.createAndWaitForStatelessRunOutput(countingRun("refused")),
      ],
    ] as const;
    for (const [operationId, call] of calls) {
      const logs: string[] = [];
      const error = await call(faultClient(url, { retries: 2 }, logs)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiConnectionError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^${operationId}: connection to .* failed: ECONNREFUSED 127\\.0\\.0\\.1:${port}$`,
        ),
      );
      expect(retried(logs)).toEqual([
        `retry 1 of ${operationId} after ECONNREFUSED`,
        `retry 2 of ${operationId} after ECONNREFUSED`,
      ]);
    }
  });

  it("sends a GET and a POST once to a port fetch refuses, saying so", async () => {
    for (const call of [
      (c: ACPClient) => c.getAgentById(agentId),
      (c: ACPClient) => c.createStatelessRun({ agent_id: agentId }),
    ]) {
      const logs: string[] = [];
      const blocked = faultClient("http://127.0.0.1:1", { retries: 2 }, logs);
      const error = await call(blocked).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiConnectionError);
      expect((error as Error).message).toMatch(
        /connection to http:\/\/127\.0\.0\.1:1\/.* failed: bad port$/,
      );
      expect(logs.filter((l) => l.includes("retry"))).toEqual([]);
    }
  });
});

describe("slow answers", () => {
  it("times out a POST whose headers never come, and does not send it again", async () => {
    const p = await proxyWith(() => ({ kind: "hold" }));
    const logs: string[] = [];
    const client = faultClient(p.url, { retries: 3, timeout: 300 }, logs);
    const before = faults.server.executions;
    const error = await client
      .createAndWaitForStatelessRunOutput({
        ...countingRun("slow headers"),
        on_disconnect: "continue",
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect((error as Error).message).toContain("no answer within 300 ms");
    // The run goes on without the client; wait for it rather than for a fixed time.
    await vi.waitUntil(() => faults.server.executions !== before, {
      timeout: 10_000,
      interval: 10,
    });
    expect(p.forwarded).toBe(1);
    expect(faults.server.executions - before).toBe(1);
    expect(retryLines(logs)).toHaveLength(0);
  });

  it("retries a GET whose headers outlast the read timeout, then fails with ApiTimeoutError", async () => {
    const p = await proxyWith(() => ({ kind: "hold" }));
    const logs: string[] = [];
    const client = faultClient(p.url, { retries: 2, timeout: { read: 200 } }, logs);
    const error = await client.getAgentById(faultAgentIds.echo).catch((e: unknown) => e);
    await client.close();
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect(retryLines(logs)).toHaveLength(2);
    expect(p.forwarded).toBe(3);
  });

  it("fails with ApiTimeoutError when the body stalls after the headers", async () => {
    const p = await proxyWith(() => ({ kind: "hold", passBytes: 60 }));
    const logs: string[] = [];
    const client = faultClient(p.url, { retries: 2, timeout: 300 }, logs);
    const error = await client.getAgentById(faultAgentIds.echo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect(p.forwarded).toBe(1);
  });
});

describe("a request's own retries", () => {
  const client = (retries: number) =>
    ACPClient.fromConfiguration({ host: server.url, retries, debug: false });

  it("take over the configuration's", async () => {
    server.script = [status(503), status(503), status(503)];
    const error = await client(3)
      .getAgentById(agentId, { retries: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceException);
    expect(server.hits).toBe(2);
  });

  it("are refused when not a whole number >= 0", async () => {
    await expect(client(3).getAgentById(agentId, { retries: -1 })).rejects.toThrow(
      /retries must be a whole number >= 0/,
    );
    await expect(client(3).getAgentById(agentId, { retries: 0.5 })).rejects.toThrow(
      /retries must be a whole number >= 0/,
    );
    expect(server.hits).toBe(0);
  });
});
