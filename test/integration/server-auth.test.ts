import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration, UnauthorizedException } from "../../src/index.js";
import {
  agentIds,
  memoryLogger,
  raw,
  startACPServer,
  type TestACPServer,
} from "../helpers/server.js";

const apiKey = "test-secret-key-9f8e7d";
const logger = memoryLogger();
let running: TestACPServer;

beforeAll(async () => {
  running = await startACPServer({ apiKey, logger });
});

afterAll(async () => {
  running?.gate.release();
  await running?.close();
});

describe("x-api-key", () => {
  it("answers 401 without the key or with a wrong one, on every route", async () => {
    for (const [method, path] of [
      ["POST", "/agents/search"],
      ["GET", `/agents/${agentIds.echo}`],
      ["POST", "/runs/wait"],
      ["GET", "/nowhere"],
    ] as const) {
      const none = await raw(running.url, method, path, method === "POST" ? {} : undefined);
      expect(none.status).toBe(401);
      const wrong = await raw(running.url, method, path, method === "POST" ? {} : undefined, {
        "x-api-key": `${apiKey}x`,
      });
      expect(wrong.status).toBe(401);
      expect(wrong.text).not.toContain(apiKey);
    }
  });

  it("serves requests that carry the key", async () => {
    const client = new ACPClient({
      configuration: new ApiClientConfiguration({
        host: running.url,
        apiKey: { "x-api-key": apiKey },
      }),
    });
    const { run } = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "authorised" },
    });
    expect(run?.status).toBe("success");
    const agents = await client.searchAgents({});
    expect(agents.map((a) => a.agent_id)).toContain(agentIds.echo);
    await client.close();

    const anonymous = new ACPClient({
      configuration: new ApiClientConfiguration({ host: running.url }),
    });
    await expect(anonymous.searchAgents({})).rejects.toBeInstanceOf(UnauthorizedException);
    await anonymous.close();
  });

  it("never writes the key to the log", async () => {
    await raw(
      running.url,
      "POST",
      "/runs/wait",
      { agent_id: agentIds.throwing, input: {} },
      { "x-api-key": apiKey },
    );
    expect(logger.lines.join("\n")).not.toContain(apiKey);
  });
});
