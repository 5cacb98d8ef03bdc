/**
 * The configuration's groups for what the Python reference has no name for:
 * `backoff` (the waits between retries and re-joins) and `dispatcher` (an undici
 * dispatcher of the caller's), each shown changing what the client does against a
 * real local server, and checked, with errors naming the option, when it is made.
 */
import { inspect } from "node:util";
import { Agent, type Dispatcher, ProxyAgent } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ACPClient,
  ApiAbortError,
  ApiClientConfiguration,
  type ApiClientConfigurationOptions,
  ApiDeadlineExceededError,
  ApiTimeoutError,
  ApiValueError,
  defaultRetryBackoff,
} from "../../src/index.js";
import { startServer, type TestServer } from "../helpers/http-server.js";
import { startProxy, type TestProxy } from "../helpers/proxy.js";

const agentId = "7b1f9c4e-0000-4000-8000-000000000001";
const agent = {
  agent_id: agentId,
  metadata: { ref: { name: "org.example.a", version: "1.0.0" }, description: "a" },
  specs: {
    capabilities: {},
    input: { type: "object" },
    output: { type: "object" },
    config: { type: "object" },
  },
};
const secret = "pr0xy-s3cret";

/** An undici agent that records the path of each request it carries. */
class RecordingAgent extends Agent {
  readonly paths: string[] = [];
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers) {
    this.paths.push(String(options.path));
    return super.dispatch(options, handler);
  }
}

function clientOf(host: string, options: ApiClientConfigurationOptions): ACPClient {
  return new ACPClient({ configuration: new ApiClientConfiguration({ host, ...options }) });
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

let busy: TestServer;
let throttled: TestServer;
let redirecting: TestServer;
/** How many requests the busy and the throttled server still refuse before answering. */
const refusals = { busy: 0, throttled: 0 };

beforeAll(async () => {
  // Busy (503 without Retry-After) while it has refusals left, then the agent.
  busy = await startServer((_req, res) => {
    if (refusals.busy > 0) {
      refusals.busy--;
      res.writeHead(503);
      res.end("busy");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(agent));
  });
  // Asks to come back in 30 s while it has refusals left, then the agent.
  throttled = await startServer((_req, res) => {
    if (refusals.throttled > 0) {
      refusals.throttled--;
      res.writeHead(429, { "retry-after": "30" });
      res.end("slow down");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(agent));
  });
  // Sends every agent read to the busy server.
  redirecting = await startServer((req, res) => {
    res.writeHead(307, { location: `${busy.url}${req.url}` });
    res.end();
  });
});

afterAll(async () => {
  await Promise.all([busy?.close(), throttled?.close(), redirecting?.close()]);
});

describe("the backoff group", () => {
  it("has the library's defaults, and keeps them for the members left out", () => {
    const c = new ApiClientConfiguration({ backoff: { maxDelay: 50 } });
    expect(new ApiClientConfiguration().backoff).toEqual({
      initialDelay: 300,
      maxDelay: 30_000,
      maxRetryAfter: 60_000,
    });
    expect(c.backoff).toEqual({ ...defaultRetryBackoff, maxDelay: 50 });
    expect(Object.isFrozen(c.backoff)).toBe(true);
    expect(c.withOptions({ retries: 1 }).backoff).toEqual(c.backoff);
    expect(c.toDebugReport()).toContain(
      "Backoff: initialDelay=300 maxDelay=50 maxRetryAfter=60000",
    );
    expect(JSON.parse(JSON.stringify(c)).backoff).toEqual(c.backoff);
  });

  it("caps every wait at maxDelay: a retry waits no longer than it", async () => {
    const start = busy.hits;
    const slow = clientOf(busy.url, {
      backoff: { initialDelay: 1e9, maxDelay: 1e9 },
      limits: { deadline: 5_000 },
    });
    // A wait of up to 1e9 ms would end past the deadline, so it is not started.
    refusals.busy = 1;
    const error = await failureOf(slow.getAgentById(agentId));
    expect(error).toBeInstanceOf(ApiDeadlineExceededError);
    expect(busy.hits - start).toBe(1);

    const capped = clientOf(busy.url, {
      backoff: { initialDelay: 1e9, maxDelay: 0 },
      limits: { deadline: 5_000 },
    });
    refusals.busy = 1;
    await expect(capped.getAgentById(agentId)).resolves.toMatchObject({ agent_id: agentId });
    expect(busy.hits - start).toBe(3);
    await Promise.all([slow.close(), capped.close()]);
  });

  it("cuts a Retry-After to maxRetryAfter", async () => {
    const start = throttled.hits;
    // The 30 s the server asks for, within the default minute, outlast the call's 1 s.
    const patient = clientOf(throttled.url, { timeout: 1_000 });
    refusals.throttled = 1;
    expect(await failureOf(patient.getAgentById(agentId))).toBeInstanceOf(ApiTimeoutError);
    expect(throttled.hits - start).toBe(1);

    const prompt = clientOf(throttled.url, { timeout: 1_000, backoff: { maxRetryAfter: 0 } });
    refusals.throttled = 1;
    await expect(prompt.getAgentById(agentId)).resolves.toMatchObject({ agent_id: agentId });
    expect(throttled.hits - start).toBe(3);
    await Promise.all([patient.close(), prompt.close()]);
  });

  it("paces the re-joins of a dropped stream", async () => {
    const runId = "9a0b5c3e-0000-4000-8000-000000000002";
    /**
     * Reads a run's stream from a server that sends its headers and then drops the
     * connection, until `until` holds of that server; then aborts the read.
     */
    const readUntil = async (
      backoff: ApiClientConfigurationOptions["backoff"],
      until: (server: TestServer) => boolean,
    ) => {
      const streams = await startServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream", "content-location": runId });
        res.flushHeaders();
        setImmediate(() => res.destroy());
      });
      const controller = new AbortController();
      const client = clientOf(streams.url, { backoff, retries: 100 });
      const reading = failureOf(
        (async () => {
          for await (const _event of client.streamStatelessRunOutput(runId, {
            signal: controller.signal,
          })) {
            // no event comes
          }
        })(),
      );
      await vi.waitUntil(() => until(streams), { timeout: 5_000 });
      controller.abort();
      const error = await reading;
      await client.close();
      const hits = streams.hits;
      await streams.close();
      return { error, hits };
    };
    // Without a wait, the dropped stream is re-joined at once, again and again.
    const eager = await readUntil({ maxDelay: 0 }, (server) => server.hits >= 3);
    expect(eager.error).toBeInstanceOf(ApiAbortError);
    // With a long one, the first re-join waits: nothing else reaches the server.
    const patient = await readUntil(
      { initialDelay: 1e9, maxDelay: 1e9 },
      (server) => server.hits === 1 && server.closedConnections === 1,
    );
    expect(patient).toEqual({ error: expect.any(ApiAbortError), hits: 1 });
  });

  it.each([
    [{ initialDelay: -1 }, /backoff\.initialDelay must be a number of milliseconds >= 0/],
    [{ maxDelay: Number.NaN }, /backoff\.maxDelay/],
    [{ maxRetryAfter: "1" }, /backoff\.maxRetryAfter/],
    [{ intialDelay: 5 }, /backoff\.intialDelay is not a setting of the backoff/],
    [[1], /^backoff must be an object/],
  ])("refuses backoff %j with an error naming the member", (backoff, message) => {
    let error: unknown;
    try {
      new ApiClientConfiguration({ backoff: backoff as never });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as Error).message).toMatch(message);
  });

  it("is read from <prefix>BACKOFF through the same checks", () => {
    const env = { MY_BACKOFF: '{"initialDelay": 10, "maxRetryAfter": 0}' };
    expect(ApiClientConfiguration.fromEnvPrefix("MY_", {}, env).backoff).toEqual({
      initialDelay: 10,
      maxDelay: 30_000,
      maxRetryAfter: 0,
    });
    const read = (value: string) => {
      try {
        ApiClientConfiguration.fromEnvPrefix("MY_", {}, { MY_BACKOFF: value });
      } catch (error) {
        expect(error).toBeInstanceOf(ApiValueError);
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(read('{"maxDelay": -5}')).toMatch(
      /^environment variable MY_BACKOFF .* is wrong: backoff\.maxDelay must be/,
    );
    expect(read("soon")).toMatch(/^environment variable MY_BACKOFF is not JSON/);
    expect(read("[1]")).toMatch(/^environment variable MY_BACKOFF must be a JSON object/);
  });
});

describe("the dispatcher option", () => {
  it("carries every request, retries and redirect hops included, and stays open after close", async () => {
    const dispatcher = new RecordingAgent();
    const client = clientOf(redirecting.url, {
      dispatcher,
      backoff: { maxDelay: 0 },
      crossOriginRedirects: "strip-credentials",
    });
    refusals.busy = 1;
    await expect(client.getAgentById(agentId)).resolves.toMatchObject({ agent_id: agentId });
    await client.close();
    // redirect, busy; redirect again, the agent
    expect(dispatcher.paths).toEqual(Array(4).fill(`/agents/${agentId}`));
    expect(dispatcher.closed).toBe(false);
    await dispatcher.close();
  });

  it("sends through a proxy agent of the caller's, whose credentials never show", async () => {
    const proxy: TestProxy = await startProxy();
    const dispatcher = new ProxyAgent({ uri: proxy.url, token: `Bearer ${secret}` });
    const configuration = new ApiClientConfiguration({ host: busy.url, dispatcher });
    const client = new ACPClient({ configuration: configuration.withOptions({ retries: 3 }) });
    await expect(client.getAgentById(agentId)).resolves.toMatchObject({ agent_id: agentId });
    expect(proxy.seen).toEqual([
      expect.stringMatching(
        new RegExp(`^(CONNECT ${new URL(busy.url).host}|GET ${busy.url}/agents/${agentId})`),
      ),
    ]);
    expect(proxy.headers[0]?.["proxy-authorization"]).toBe(`Bearer ${secret}`);
    expect(configuration.withOptions({ retries: 0 }).dispatcher).toBe(dispatcher);
    for (const shown of [
      JSON.stringify(configuration),
      JSON.stringify({ ...configuration }),
      inspect(configuration, { depth: 8 }),
      configuration.toDebugReport(),
    ]) {
      expect(shown).not.toContain(secret);
    }
    expect(configuration.toDebugReport()).toContain("Dispatcher: given");
    await client.close();
    await dispatcher.close();
    await proxy.close();
  });

  it.each([
    [{ proxy: "http://127.0.0.1:3128" }, "proxy"],
    [{ proxyHeaders: { "Proxy-Authorization": "x" } }, "proxyHeaders"],
    [{ sslCaCert: "ca.pem" }, "sslCaCert"],
    [{ caCertData: "-----BEGIN CERTIFICATE-----" }, "caCertData"],
    [{ certFile: "c.pem" }, "certFile"],
    [{ keyFile: "k.pem" }, "keyFile"],
    [{ tlsServerName: "example.com" }, "tlsServerName"],
    [{ verifySsl: false }, "verifySsl"],
    [{ timeout: { connect: 100 } }, "timeout"],
  ] as const)("refuses a dispatcher with %j, naming %s", (options, name) => {
    const dispatcher = new Agent();
    let error: unknown;
    try {
      new ApiClientConfiguration({ ...options, dispatcher });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as ApiValueError).message).toMatch(/^dispatcher and .* cannot both be set/);
    expect((error as ApiValueError).pathToItem).toEqual([name]);
    // One number is the client's own timer, which works with any dispatcher.
    expect(new ApiClientConfiguration({ timeout: 100, dispatcher }).dispatcher).toBe(dispatcher);
  });

  it("refuses what is no dispatcher", () => {
    expect(() => new ApiClientConfiguration({ dispatcher: {} as never })).toThrow(
      /^dispatcher must be an undici Dispatcher/,
    );
  });
});
