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
  it("retry a GET on 502, 503 and 504 until it succeeds", async () => {
    const s = await scripted([status(502), status(503), status(504)]);
    expect(await client(s, 3).getAgentById(agentId)).toEqual(agent);
    expect(s.hits).toBe(4);
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

  it("retry a POST whose connection was refused, as it never reached a server", async () => {
    const s = await startServer(() => undefined);
    await s.close();
    const logs: string[] = [];
    const error = await client(s, 2, logs)
      .createStatelessRun(create)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect(
      logs.filter((l) => /retry \d of create_stateless_run after ECONNREFUSED/.test(l)),
    ).toHaveLength(2);
  });
});
