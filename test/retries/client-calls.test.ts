import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  ACPClient,
  ApiConnectionError,
  ApiTimeoutError,
  BadRequestException,
  ServiceException,
} from "../../src/index.js";
import { agent, agentId, statelessRun } from "../helpers/fixtures.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that gives the scripted answers in turn, then 200s. */
async function scripted(script: Array<(res: ServerResponse) => void>): Promise<TestServer> {
  server = await startServer((req, res, _body, hit) => {
    const step = script[hit - 1];
    if (step) return step(res);
    sendJson(res, 200, req.method === "GET" ? agent : statelessRun);
  });
  return server;
}

const status =
  (code: number, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    sendJson(res, code, "try later", headers);
const dropConnection = (res: ServerResponse) => res.socket?.destroy();

const client = (s: TestServer, retries = 2, logs?: string[]) =>
  ACPClient.fromConfiguration({
    host: s.url,
    retries,
    debug: logs !== undefined,
    logger: { debug: (line) => logs?.push(line) },
  });
const create = { agent_id: agentId };

describe("retries", () => {
  it("retry a GET on 408, 502, 503 and 504 until it succeeds", async () => {
    const s = await scripted([status(408), status(502), status(503), status(504)]);
    expect(await client(s, 4).getAgentById(agentId)).toEqual(agent);
    expect(s.hits).toBe(5);
  });

  it("give up after the configured number of retries", async () => {
    const s = await scripted([status(503), status(503), status(503)]);
    await expect(client(s, 1).getAgentById(agentId)).rejects.toBeInstanceOf(ServiceException);
    expect(s.hits).toBe(2);
  });

  it("do not retry other errors", async () => {
    const s = await scripted([status(400)]);
    await expect(client(s).getAgentById(agentId)).rejects.toBeInstanceOf(BadRequestException);
    expect(s.hits).toBe(1);
  });

  it("retry a POST on 429 with Retry-After, which says it was not processed", async () => {
    const s = await scripted([
      status(429, { "retry-after": "0" }),
      status(503, { "retry-after": "0" }),
    ]);
    expect(await client(s).createStatelessRun(create)).toEqual(statelessRun);
    expect(s.hits).toBe(3);
  });

  it("wait as long as Retry-After says: a 5 s wait outlasts a 300 ms timeout", async () => {
    const s = await scripted([status(429, { "retry-after": "5" })]);
    const error = await client(s)
      .createStatelessRun(create, { timeout: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect(s.hits).toBe(1);
  });

  it("do not retry a POST the server may have processed (502, 503 without Retry-After)", async () => {
    for (const code of [502, 503, 504]) {
      const s = await scripted([status(code)]);
      await expect(client(s).createStatelessRun(create)).rejects.toBeInstanceOf(ServiceException);
      expect(s.hits).toBe(1);
      await s.close();
    }
  });

  it("do not retry a POST whose connection dropped after the server got it", async () => {
    const s = await scripted([dropConnection]);
    await expect(client(s).createStatelessRun(create)).rejects.toBeInstanceOf(ApiConnectionError);
    expect(s.hits).toBe(1);
  });

  it("retry a GET whose connection dropped", async () => {
    const s = await scripted([dropConnection]);
    expect(await client(s).getAgentById(agentId)).toEqual(agent);
    expect(s.hits).toBe(2);
  });

  it("retry a GET and a POST alike when the connection was refused, naming the cause", async () => {
    const s = await startServer(() => undefined);
    await s.close();
    const port = new URL(s.url).port;
    const calls = [
      ["get_agent_by_id", (c: ACPClient) => c.getAgentById(agentId)],
      ["create_stateless_run", (c: ACPClient) => c.createStatelessRun(create)],
    ] as const;
    for (const [operationId, call] of calls) {
      const logs: string[] = [];
      const error = await call(client(s, 2, logs)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiConnectionError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^${operationId}: connection to .* failed: ECONNREFUSED 127\\.0\\.0\\.1:${port}$`,
        ),
      );
      const retries = logs.filter((l) => l.includes(`of ${operationId} after ECONNREFUSED`));
      expect(retries).toHaveLength(2);
    }
  });

  it("send a GET and a POST once to a port fetch refuses, saying so", async () => {
    for (const call of [
      (c: ACPClient) => c.getAgentById(agentId),
      (c: ACPClient) => c.createStatelessRun(create),
    ]) {
      const logs: string[] = [];
      const blocked = ACPClient.fromConfiguration({
        host: "http://127.0.0.1:1",
        retries: 2,
        debug: true,
        logger: { debug: (line) => logs.push(line) },
      });
      const error = await call(blocked).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiConnectionError);
      expect((error as Error).message).toMatch(
        /connection to http:\/\/127\.0\.0\.1:1\/.* failed: bad port$/,
      );
      expect(logs.filter((l) => l.includes("retry"))).toEqual([]);
    }
  });
});
