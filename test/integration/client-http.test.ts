import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACPClient,
  ApiClient,
  ApiClientConfiguration,
  ApiValueError,
  AsyncACPClient,
  AsyncApiClient,
  operations,
} from "../../src/index.js";
import { agent, agentId, runId, statelessRun, thread, threadId } from "../helpers/fixtures.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = req.url ?? "";
    if (req.method === "DELETE" || url.includes("/cancel")) {
      res.writeHead(204);
      res.end();
    } else if (url.startsWith("/agents/search")) sendJson(res, 200, [agent]);
    else if (url.startsWith("/agents/")) sendJson(res, 200, agent, { "x-trace": "t1" });
    else if (url.includes("/runs")) sendJson(res, 200, statelessRun);
    else if (url.startsWith("/threads")) sendJson(res, 200, thread);
    else sendJson(res, 200, statelessRun);
  });
});
afterAll(() => server.close());

const last = () => server.requests.at(-1)!;
const client = (options: ConstructorParameters<typeof ApiClientConfiguration>[0] = {}) =>
  ACPClient.fromConfiguration({ host: server.url, ...options });

describe("the generated methods", () => {
  it("exist for every operation in three flavours", () => {
    const c = client();
    for (const name of Object.keys(operations)) {
      for (const suffix of ["", "WithHttpInfo", "WithoutPreloadContent"]) {
        expect(typeof (c as unknown as Record<string, unknown>)[`${name}${suffix}`]).toBe(
          "function",
        );
      }
    }
    expect(AsyncACPClient).toBe(ACPClient);
    expect(AsyncApiClient).toBe(ApiClient);
  });

  it("return parsed data, http info, or the raw response", async () => {
    const c = client();
    expect(await c.getAgentById(agentId)).toEqual(agent);
    const info = await c.getAgentByIdWithHttpInfo(agentId);
    expect(info.statusCode).toBe(200);
    expect(info.headers["x-trace"]).toBe("t1");
    expect(info.data).toEqual(agent);
    expect(JSON.parse(new TextDecoder().decode(info.rawData))).toEqual(agent);
    const raw = await c.getAgentByIdWithoutPreloadContent(agentId);
    expect(raw.bodyUsed).toBe(false);
    expect(await raw.json()).toEqual(agent);
    expect(await c.deleteThread(threadId)).toBeUndefined();
    expect((await c.deleteThreadWithHttpInfo(threadId)).statusCode).toBe(204);
  });

  it("put positional arguments in the path, query and body", async () => {
    const c = client();
    await c.cancelThreadRun(threadId, runId, true, "interrupt", { timeout: 1000 });
    expect(last().method).toBe("POST");
    expect(last().url).toBe(`/threads/${threadId}/runs/${runId}/cancel?wait=true&action=interrupt`);
    await c.getThreadHistoryWithoutPreloadContent(threadId, 5);
    expect(last().url).toBe(`/threads/${threadId}/history?limit=5`);
    await c.createThreadRun(threadId, { agent_id: agentId, input: { x: 1 } });
    expect(last().url).toBe(`/threads/${threadId}/runs`);
    expect(JSON.parse(last().body)).toEqual({ agent_id: agentId, input: { x: 1 } });
    expect(last().headers["content-type"]).toBe("application/json");
    await c.getThread("a/b c");
    expect(last().url).toBe("/threads/a%2Fb%20c");
  });

  it("send default headers, cookie, user agent and per-request headers", async () => {
    const api = new ApiClient(
      new ApiClientConfiguration({ host: server.url }),
      "x-team",
      "blue",
      "sid=1",
    );
    api.setDefaultHeader("x-more", "yes");
    api.userAgent = "my-agent/1";
    const c = new ACPClient({ apiClient: api });
    await c.searchAgents(
      {},
      { headers: { "x-request": "r1" }, contentType: "application/json; charset=utf-8" },
    );
    const h = last().headers;
    expect([h["x-team"], h["x-more"], h["x-request"], h.cookie]).toEqual([
      "blue",
      "yes",
      "r1",
      "sid=1",
    ]);
    expect(h["user-agent"]).toBe("my-agent/1");
    expect(h["content-type"]).toBe("application/json; charset=utf-8");
    expect(h.accept).toBe("application/json");
  });

  it("pick a server by hostIndex with operation variables", async () => {
    const port = new URL(server.url).port;
    const c = client({
      host: "http://127.0.0.1:1",
      servers: [{ url: "http://127.0.0.1:{port}", variables: { port: { defaultValue: "1" } } }],
      serverOperationVariables: { get_agent_by_id: { port } },
    });
    expect(await c.getAgentById(agentId, { hostIndex: 0 })).toEqual(agent);
  });
});

describe("credentials", () => {
  it("send an x-api-key header", async () => {
    await client({ apiKey: { "x-api-key": "key-1" } }).getAgentById(agentId);
    expect(last().headers["x-api-key"]).toBe("key-1");
    expect(last().headers.authorization).toBeUndefined();
  });

  it("send a prefixed key", async () => {
    await client({
      apiKey: { Authorization: "abc" },
      apiKeyPrefix: { Authorization: "Token" },
    }).getAgentById(agentId);
    expect(last().headers.authorization).toBe("Token abc");
  });

  it("send basic auth", async () => {
    await client({ username: "ann", password: "pw" }).getAgentById(agentId);
    expect(last().headers.authorization).toBe(`Basic ${Buffer.from("ann:pw").toString("base64")}`);
  });

  it("send a bearer token", async () => {
    await client({ accessToken: "tok" }).getAgentById(agentId);
    expect(last().headers.authorization).toBe("Bearer tok");
  });

  it("are replaced by per-request auth", async () => {
    const c = client({ apiKey: { "x-api-key": "config-key" } });
    await c.getAgentById(agentId, {
      auth: { type: "api_key", in: "header", key: "x-api-key", value: "req-key" },
    });
    expect(last().headers["x-api-key"]).toBe("req-key");
    await c.getAgentById(agentId, { auth: { type: "api_key", in: "query", key: "k", value: "q" } });
    expect(last().url).toBe(`/agents/${agentId}?k=q`);
    expect(last().headers["x-api-key"]).toBeUndefined();
  });

  it("are refreshed by the hook before each request", async () => {
    let n = 0;
    const c = client({
      accessToken: "old",
      refreshApiKeyHook: (configuration) => {
        n++;
        expect(configuration.accessToken).toBe(n === 1 ? "old" : `fresh-${n - 1}`);
        return { accessToken: `fresh-${n}` };
      },
    });
    await c.getAgentById(agentId);
    expect(last().headers.authorization).toBe("Bearer fresh-1");
    await c.getAgentById(agentId);
    expect(last().headers.authorization).toBe("Bearer fresh-2");
  });
});

describe("request validation", () => {
  it("rejects a bad body before sending, naming operation, argument and field", async () => {
    const before = server.hits;
    const c = client();
    const bad = { agent_id: agentId, config: { recursion_limit: "many" } } as never;
    const error = await c.createThreadRun(threadId, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiValueError);
    const message = (error as Error).message;
    expect(message).toContain("create_thread_run");
    expect(message).toContain("argument 2");
    expect(message).toContain("config.recursion_limit");
    expect(message).toMatch(/expected number/);
    expect(server.hits).toBe(before);
  });

  it("rejects a missing path parameter, naming it", async () => {
    const error = await client()
      .getThread("" as string)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as Error).message).toMatch(
      /get_thread: argument 1 \(thread_id\) must be a non-empty string/,
    );
  });

  it("rejects request options given in place of an optional argument", async () => {
    const c = client();
    const cancel = c.cancelStatelessRun.bind(c) as (...args: unknown[]) => Promise<unknown>;
    const error = await cancel(runId, { timeout: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as Error).message).toMatch(
      /cancel_stateless_run: argument 2 \(wait\) must be a string/,
    );
  });

  it("builds clients from the environment", async () => {
    process.env.ACPHTTP_HOST = server.url;
    process.env.ACPHTTP_API_KEY = '{"x-api-key":"env-key"}';
    try {
      await ACPClient.fromEnvPrefix("ACPHTTP_").getAgentById(agentId);
      expect(last().headers["x-api-key"]).toBe("env-key");
    } finally {
      delete process.env.ACPHTTP_HOST;
      delete process.env.ACPHTTP_API_KEY;
    }
  });
});
