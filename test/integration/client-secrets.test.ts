import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration, UnauthorizedException } from "../../src/index.js";
import { agentId, threadId } from "../helpers/fixtures.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";

const apiKey = "KEY-7f3a9c1e-secret";
const password = "PW-b8d24e60-secret";
const accessToken = "TOKEN-51c0aa9d-secret";
const proxyPassword = "PROXYPW-93ee-secret";
const secrets = [apiKey, password, accessToken, proxyPassword];

let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url?.includes("hang")) return;
    if (req.url?.includes("malformed")) return sendJson(res, 200, { agent_id: 1 });
    // A careless server that echoes the credentials it got back in its error.
    sendJson(res, 401, {
      detail: "bad credentials",
      got: [req.headers["x-api-key"], req.headers.authorization],
    });
  });
});
afterAll(() => server.close());

function expectNoSecret(text: string): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
  const basic = Buffer.from(`user:${password}`).toString("base64");
  expect(text).not.toContain(basic);
}

function describeError(error: unknown): string {
  const e = error as Error & Record<string, unknown>;
  return [String(e), e.message, e.stack ?? "", inspect(e, { depth: 8 }), JSON.stringify(e)].join(
    "\n",
  );
}

describe("secrets", () => {
  const logs: string[] = [];
  const options = {
    apiKey: { "x-api-key": apiKey },
    username: "user",
    password,
    accessToken,
    retries: 0,
    debug: true,
    logger: { debug: (line: string) => logs.push(line) },
  };
  const client = () => ACPClient.fromConfiguration({ host: server.url, ...options });

  it("stay out of a 401 error, even when the server echoes them", async () => {
    const error = await client()
      .getAgentById(agentId)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedException);
    expect((error as UnauthorizedException).body).toContain("<redacted>");
    expect(JSON.stringify((error as UnauthorizedException).data)).toContain("bad credentials");
    expectNoSecret(describeError(error));
    expect(server.requests.at(-1)?.headers["x-api-key"]).toBe(apiKey);
  });

  it("stay out of timeout, validation and connection errors", async () => {
    const timeout = await client()
      .getAgentById("hang", { timeout: 100 })
      .catch((e: unknown) => e);
    const validation = await client()
      .getAgentById("malformed")
      .catch((e: unknown) => e);
    const request = await client()
      .patchThread(threadId, { metadata: apiKey } as never)
      .catch((e: unknown) => e);
    const closed = await startServer(() => undefined);
    await closed.close();
    const refused = await ACPClient.fromConfiguration({ ...options, host: closed.url })
      .getAgentById(agentId)
      .catch((e: unknown) => e);
    for (const error of [timeout, validation, request, refused]) {
      expect(error).toBeInstanceOf(Error);
      expectNoSecret(describeError(error));
    }
  });

  it("stay out of debug logs", async () => {
    await client()
      .createThread({ metadata: { note: "hello" } })
      .catch(() => undefined);
    expect(logs.some((l) => l.includes("-> POST"))).toBe(true);
    expect(logs.some((l) => l.includes("<- 401"))).toBe(true);
    expectNoSecret(logs.join("\n"));
  });

  it("stay out of debug logs when given per request", async () => {
    const perRequestKey = "PERREQ-0c41-secret";
    const perRequestAuth = "PERAUTH-77d2-secret";
    const lines: string[] = [];
    const c = ACPClient.fromConfiguration({
      host: server.url,
      retries: 0,
      debug: true,
      logger: { debug: (line: string) => lines.push(line) },
    });
    await c
      .getAgentById(agentId, { headers: { "x-api-key": perRequestKey } })
      .catch(() => undefined);
    await c
      .getAgentById(agentId, {
        auth: { type: "api_key", in: "header", key: "x-custom-token", value: perRequestAuth },
      })
      .catch(() => undefined);
    await c
      .getAgentById(agentId, {
        auth: { type: "api_key", in: "query", key: "token", value: perRequestAuth },
      })
      .catch(() => undefined);
    expect(server.requests.at(-1)?.url).toContain(perRequestAuth);
    expect(server.requests.at(-3)?.headers["x-api-key"]).toBe(perRequestKey);
    expect(server.requests.at(-2)?.headers["x-custom-token"]).toBe(perRequestAuth);
    expect(lines.filter((l) => l.includes("-> GET"))).toHaveLength(3);
    const text = lines.join("\n");
    expect(text).not.toContain(perRequestKey);
    expect(text).not.toContain(perRequestAuth);
  });

  it("stay out of a debug log file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acp-log-"));
    try {
      const loggerFile = join(dir, "client.log");
      const c = ACPClient.fromConfiguration({ ...options, host: server.url, loggerFile });
      await c.getAgentById(agentId).catch(() => undefined);
      await c.close();
      const text = readFileSync(loggerFile, "utf8");
      expect(text).toMatch(/-> GET .*\n.*<- 401 GET/);
      expectNoSecret(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stay out of the debug report, printing and serialising", () => {
    const configuration = new ApiClientConfiguration({
      ...options,
      host: server.url,
      proxy: `http://proxyuser:${proxyPassword}@127.0.0.1:9`,
    });
    const report = configuration.toDebugReport();
    expect(report).toContain("Credentials:");
    expectNoSecret(report);
    expectNoSecret(inspect(configuration, { depth: 8, showHidden: true }));
    expectNoSecret(JSON.stringify(configuration));
    const apiClient = ACPClient.fromConfiguration(configuration.toOptions()).apiClient;
    expectNoSecret(inspect(apiClient, { depth: 8 }));
  });
});
