import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACPClient,
  ApiAbortError,
  ApiConnectionError,
  ApiException,
  ApiTimeoutError,
  ApiValueError,
  BadRequestException,
  ConflictException,
  ForbiddenException,
  NotFoundException,
  ServiceException,
  UnauthorizedException,
  UnprocessableEntityException,
} from "../../src/index.js";
import { agent, agentId } from "../helpers/fixtures.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";

let server: TestServer;
/** The answer the server gives next, by agent id in the path. */
const answers: Record<string, (res: import("node:http").ServerResponse) => void> = {};

beforeAll(async () => {
  server = await startServer((req, res) => {
    const key = decodeURIComponent((req.url ?? "").split("/")[2] ?? "");
    const answer = answers[key];
    if (answer) answer(res);
    else sendJson(res, 200, agent);
  });
});
afterAll(() => server.close());

const client = (options = {}) =>
  ACPClient.fromConfiguration({ host: server.url, retries: 0, ...options });

describe("error statuses", () => {
  it.each([
    [400, BadRequestException],
    [401, UnauthorizedException],
    [403, ForbiddenException],
    [404, NotFoundException],
    [409, ConflictException],
    [422, UnprocessableEntityException],
    [500, ServiceException],
    [502, ServiceException],
    [503, ServiceException],
    [418, ApiException],
  ])("%i is %o with status, reason, headers, body and data", async (status, cls) => {
    const key = `status-${status}`;
    answers[key] = (res) => sendJson(res, status, `problem ${status}`, { "x-why": "because" });
    const error = (await client()
      .getAgentById(key)
      .catch((e: unknown) => e)) as ApiException;
    expect(error).toBeInstanceOf(cls);
    expect(error.constructor).toBe(cls);
    expect(error.status).toBe(status);
    expect(error.reason).toBeTruthy();
    expect(error.headers["x-why"]).toBe("because");
    expect(error.body).toBe(`"problem ${status}"`);
    expect(error.data).toBe(`problem ${status}`);
    expect(error.operationId).toBe("get_agent_by_id");
    expect(error.message).toContain(`get_agent_by_id: (${status})`);
  });

  it("keeps a body that is not JSON as text", async () => {
    answers["plain-404"] = (res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("no such agent");
    };
    const error = (await client()
      .getAgentById("plain-404")
      .catch((e: unknown) => e)) as NotFoundException;
    expect(error.body).toBe("no such agent");
    expect(error.data).toBe("no such agent");
  });

  it("returns the raw response of an error status from the raw flavour", async () => {
    answers["raw-404"] = (res) => sendJson(res, 404, "gone");
    const res = await client().getAgentByIdWithoutPreloadContent("raw-404");
    expect(res.status).toBe(404);
    expect(await res.json()).toBe("gone");
  });
});

describe("malformed answers", () => {
  it("names the operation, the field and what was expected", async () => {
    answers.malformed = (res) =>
      sendJson(res, 200, {
        agent_id: agentId,
        metadata: { ref: { name: "a", version: 1 }, description: "d" },
      });
    const error = await client()
      .getAgentById("malformed")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as ApiValueError).pathToItem).toEqual(["metadata", "ref", "version"]);
    const message = (error as Error).message;
    expect(message).toContain("get_agent_by_id");
    expect(message).toContain("metadata.ref.version");
    expect(message).toContain("expected string");
  });

  it("says when the body is not JSON at all", async () => {
    answers.garbage = (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("<html>");
    };
    await expect(client().getAgentById("garbage")).rejects.toThrow(
      /get_agent_by_id: the response body is not JSON/,
    );
  });
});

describe("requests that do not finish", () => {
  it("time out with ApiTimeoutError", async () => {
    answers.hang = () => undefined;
    const error = await client({ timeout: 150 })
      .getAgentById("hang")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect((error as Error).message).toMatch(/get_agent_by_id: no answer within 150 ms/);
  });

  it("time out per request, over the configuration", async () => {
    answers.hang = () => undefined;
    const error = await client({ timeout: 60_000 })
      .getAgentById("hang", { timeout: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
  });

  it("time out on a slow body too, not only on headers", async () => {
    answers["slow-body"] = (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"agent_id":');
    };
    const error = await client({ timeout: 150 })
      .getAgentById("slow-body")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
  });

  it("time out on reading with a connect/read timeout", async () => {
    answers.hang = () => undefined;
    const error = await client({ timeout: { connect: 1000, read: 150 } })
      .getAgentById("hang")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect((error as Error).message).toMatch(/UND_ERR_HEADERS_TIMEOUT/);
  });

  it("abort with ApiAbortError when the signal fires", async () => {
    const controller = new AbortController();
    answers.abort = () => controller.abort();
    const error = await client()
      .getAgentById("abort", { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiAbortError);
    expect((error as Error).message).toBe("get_agent_by_id: request aborted");
  });

  it("abort at once with a signal that already fired", async () => {
    const before = server.hits;
    const error = await client()
      .getAgentById(agentId, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiAbortError);
    expect(server.hits).toBe(before);
  });

  it("fail with ApiConnectionError when nothing listens", async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const error = await ACPClient.fromConfiguration({ host: closed.url, retries: 0 })
      .getAgentById(agentId)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect(error).not.toBeInstanceOf(ApiTimeoutError);
    expect((error as Error).message).toMatch(
      /get_agent_by_id: connection to .* failed: ECONNREFUSED/,
    );
  });
});
