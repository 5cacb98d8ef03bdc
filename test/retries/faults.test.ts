import { describe, expect, it, vi } from "vitest";
import {
  ApiConnectionError,
  type ApiException,
  ApiTimeoutError,
  ServiceException,
} from "../../src/index.js";
import {
  faultAgentIds,
  faultClient,
  retryLines,
  useFaultServer,
} from "../helpers/fault-servers.js";
import { type Fault, inTurn, rawAnswer, refusingUrl } from "../helpers/tcp-fault-proxy.js";

const faults = useFaultServer();
const { proxyWith } = faults;

const busy = (status: 429 | 503, retryAfter?: string): Fault => ({
  kind: "respond",
  raw: rawAnswer(
    status,
    status === 429 ? "Too Many Requests" : "Service Unavailable",
    "busy",
    retryAfter === undefined ? {} : { "retry-after": retryAfter },
  ),
});
const countingRun = (text: string) => ({ agent_id: faultAgentIds.counting, input: { text } });

/** Runs `body` and says how many times the counting agent executed meanwhile. */
async function executionsDuring(body: () => Promise<unknown>): Promise<[number, unknown]> {
  const before = faults.server.executions;
  const outcome = await body().catch((e: unknown) => e);
  return [faults.server.executions - before, outcome];
}

describe("busy answers", () => {
  it.each([429, 503] as const)(
    "a POST answered %i with Retry-After is sent again and runs exactly once",
    async (status) => {
      const p = await proxyWith(inTurn(busy(status, "0"), busy(status, "0")));
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

  it("gives up after the configured retries with ServiceException carrying the status", async () => {
    const p = await proxyWith(() => busy(503, "0"));
    const logs: string[] = [];
    const client = faultClient(p.url, { retries: 2 }, logs);
    const [runs, error] = await executionsDuring(() =>
      client.createAndWaitForStatelessRunOutput(countingRun("never")),
    );
    expect(error).toBeInstanceOf(ServiceException);
    expect((error as ApiException).status).toBe(503);
    expect(retryLines(logs)).toHaveLength(2);
    expect(p.connections).toBe(3);
    expect(runs).toBe(0);
  });

  it("does not resend a POST answered 503 without Retry-After: it may have been processed", async () => {
    const p = await proxyWith(inTurn(busy(503)));
    const logs: string[] = [];
    const client = faultClient(p.url, { retries: 3 }, logs);
    const error = await client.createStatelessRun(countingRun("maybe")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceException);
    expect(retryLines(logs)).toHaveLength(0);
    expect(p.connections).toBe(1);
  });

  it("resends a GET answered 503 without Retry-After, with backoff, until it succeeds", async () => {
    const p = await proxyWith(inTurn(busy(503), busy(503)));
    const logs: string[] = [];
    const client = faultClient(p.url, { retries: 3 }, logs);
    const agent = await client.getAgentById(faultAgentIds.counting);
    expect(agent.agent_id).toBe(faultAgentIds.counting);
    expect(retryLines(logs).map((l) => l.replace(/^.* retry/, "retry"))).toEqual([
      "retry 1 of get_agent_by_id after status 503",
      "retry 2 of get_agent_by_id after status 503",
    ]);
  });
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

  it("retries a refused POST (it never reached a server), then fails with ApiConnectionError", async () => {
    const logs: string[] = [];
    const client = faultClient(await refusingUrl(), { retries: 2 }, logs);
    const error = await client
      .createAndWaitForStatelessRunOutput(countingRun("refused"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect(retryLines(logs).map((l) => l.replace(/^.* retry/, "retry"))).toEqual([
      "retry 1 of create_and_wait_for_stateless_run_output after ECONNREFUSED",
      "retry 2 of create_and_wait_for_stateless_run_output after ECONNREFUSED",
    ]);
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
