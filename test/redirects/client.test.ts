/**
 * A server that redirects the client to another origin must not get the client's
 * credentials (or its request body) sent there. Origin A redirects; origin B, on
 * another port of 127.0.0.1, records everything it receives.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ACPClient,
  ApiClient,
  ApiClientConfiguration,
  type ApiClientConfigurationOptions,
  ApiRedirectRefusedError,
  ApiTooManyRedirectsError,
} from "../../src/index.js";
import { APIBridgeAgentNode } from "../../src/langgraph/index.js";
import { agent, agentId, statelessRun } from "../helpers/fixtures.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";

const KEY = "key-7f3a9c1e";
const TOKEN = "token-52b8d04f";
const CUSTOM = "custom-e61a2b90";
const COOKIE = "cookie-0c94d7a3";
const secrets = [KEY, TOKEN, CUSTOM, COOKIE];

/** Where origin A sends the client next; undefined answers as an ACP server would. */
let redirect:
  | ((req: IncomingMessage) => { status: number; location: string } | undefined)
  | undefined;
let a: TestServer;
let b: TestServer;

/** Answers what the client asked, as an ACP server would: an agent or a run. */
function answer(req: IncomingMessage, res: ServerResponse): void {
  if (req.url?.includes("/agents/")) sendJson(res, 200, agent);
  else sendJson(res, 200, statelessRun);
}

beforeAll(async () => {
  a = await startServer((req, res) => {
    const hop = redirect?.(req);
    if (!hop) return answer(req, res);
    res.writeHead(hop.status, { location: hop.location, "content-length": "0" });
    res.end();
  });
  b = await startServer((req, res) => answer(req, res));
});
afterEach(() => {
  redirect = undefined;
  a.requests.length = 0;
  b.requests.length = 0;
});
afterAll(async () => {
  await a.close();
  await b.close();
});

/** A client with every kind of credential: an API key, a bearer token, a custom header, a cookie. */
function client(options: ApiClientConfigurationOptions = {}): ACPClient {
  const configuration = new ApiClientConfiguration({
    host: a.url,
    apiKey: { "x-api-key": KEY },
    accessToken: TOKEN,
    retries: 0,
    ...options,
  });
  return new ACPClient({
    apiClient: new ApiClient(configuration, "X-Service-Token", CUSTOM, `session=${COOKIE}`),
  });
}

const calls = {
  GET: (c: ACPClient) => c.getAgentById(agentId),
  POST: (c: ACPClient) => c.createStatelessRun({ agent_id: agentId, input: { secret: "input" } }),
};
/** Sends the client to the same path on origin B. */
const toB = (status: number) => (req: IncomingMessage) => ({
  status,
  location: `${b.url}${req.url}`,
});

/** Everything origin B received, as one text to search for secrets. */
const receivedByB = () => JSON.stringify(b.requests);

describe("a redirect to another origin, refused by default", () => {
  it.each([301, 302, 303, 307, 308])("%i: neither GET nor POST follows it", async (status) => {
    redirect = toB(status);
    for (const call of Object.values(calls)) {
      const error = await call(client()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiRedirectRefusedError);
      expect((error as Error).message).toContain('crossOriginRedirects: "refuse"');
      for (const secret of secrets) expect((error as Error).message).not.toContain(secret);
    }
    expect(a.hits).toBe(2);
    expect(b.hits).toBe(0);
  });
});

describe('a redirect to another origin with crossOriginRedirects: "strip-credentials"', () => {
  const stripping = () => client({ crossOriginRedirects: "strip-credentials" });

  it.each([301, 302, 303, 307, 308])(
    "%i: a GET is followed without a single credential",
    async (status) => {
      redirect = toB(status);
      expect(await calls.GET(stripping())).toEqual(agent);
      expect(a.requests[0]?.headers["x-api-key"]).toBe(KEY);
      expect(b.hits).toBe(1);
      const received = b.requests[0];
      expect(received?.method).toBe("GET");
      expect(received?.headers.authorization).toBeUndefined();
      expect(received?.headers.cookie).toBeUndefined();
      for (const secret of secrets) expect(receivedByB()).not.toContain(secret);
    },
  );

  it.each([301, 302, 303])(
    "%i: a POST is followed as a GET, without the body and without credentials",
    async (status) => {
      redirect = toB(status);
      await calls.POST(stripping());
      expect(a.requests[0]?.body).toContain("input");
      expect(b.requests).toHaveLength(1);
      expect(b.requests[0]?.method).toBe("GET");
      expect(b.requests[0]?.body).toBe("");
      expect(b.requests[0]?.headers["content-type"]).toBeUndefined();
      for (const secret of secrets) expect(receivedByB()).not.toContain(secret);
    },
  );

  it.each([307, 308])(
    "%i: a POST is refused, since it would send its body there",
    async (status) => {
      redirect = toB(status);
      const error = await calls.POST(stripping()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiRedirectRefusedError);
      expect((error as Error).message).toContain("request body");
      expect(b.hits).toBe(0);
    },
  );

  it("a chain across three origins carries no credential past the first", async () => {
    const c = await startServer((req, res) => {
      res.writeHead(302, { location: `${b.url}${req.url}` }).end();
    });
    redirect = (req) => ({ status: 302, location: `${c.url}${req.url}` });
    await calls.GET(stripping());
    await c.close();
    expect(c.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
    for (const secret of secrets) {
      expect(JSON.stringify(c.requests)).not.toContain(secret);
      expect(receivedByB()).not.toContain(secret);
    }
  });
});

describe("a redirect within the origin", () => {
  it.each([302, 307])("%i: a GET is followed with its credentials", async (status) => {
    redirect = (req) =>
      req.url?.startsWith("/moved") ? undefined : { status, location: `/moved${req.url}` };
    expect(await calls.GET(client())).toEqual(agent);
    expect(a.requests).toHaveLength(2);
    expect(a.requests[1]?.url).toBe(`/moved/agents/${agentId}`);
    expect(a.requests[1]?.headers["x-api-key"]).toBe(KEY);
    expect(a.requests[1]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("307: a POST is sent again with its body and credentials", async () => {
    redirect = (req) =>
      req.url?.startsWith("/moved") ? undefined : { status: 307, location: `${a.url}/moved/runs` };
    expect(await calls.POST(client())).toEqual(statelessRun);
    expect(a.requests).toHaveLength(2);
    expect(a.requests[1]?.method).toBe("POST");
    expect(a.requests[1]?.body).toBe(a.requests[0]?.body);
    expect(a.requests[1]?.headers["x-api-key"]).toBe(KEY);
  });

  it("stops after maxRedirects with ApiTooManyRedirectsError naming the limit", async () => {
    redirect = (req) => ({ status: 302, location: `/loop${req.url}` });
    const error = await calls.GET(client({ limits: { maxRedirects: 3 } })).catch((e) => e);
    expect(error).toBeInstanceOf(ApiTooManyRedirectsError);
    expect(error).toMatchObject({ limit: "maxRedirects", value: 3 });
    expect(a.hits).toBe(4);
  });
});

describe("the API bridge node", () => {
  it("does not follow a redirect to another origin with its service key", async () => {
    redirect = toB(307);
    const node = new APIBridgeAgentNode({
      name: "petstore",
      host: a.url,
      serviceName: "svc",
      inputPath: "bridge.input",
      outputPath: "bridge.output",
      serviceApiKey: TOKEN,
      bridgeApiKey: KEY,
    });
    const State = Annotation.Root({ bridge: Annotation<Record<string, unknown>> });
    const graph = new StateGraph(State)
      .addNode(node.getName(), node)
      .addEdge(START, node.getName())
      .addEdge(node.getName(), END)
      .compile();
    const error = await graph
      .invoke({ bridge: { input: { query: "list pets" } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRedirectRefusedError);
    expect(a.hits).toBe(1);
    expect(b.hits).toBe(0);
  });
});
