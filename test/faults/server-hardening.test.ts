/**
 * What the server refuses to give away: an empty API key does not open it, and a
 * graph's exception text stays in the server's log unless `exposeErrors` says
 * otherwise.
 */
import { describe, expect, it } from "vitest";
import { ACPClient, ApiValueError, type RunOutputStream } from "../../src/index.js";
import { createACPServer, serveACP } from "../../src/server/index.js";
import { echoAgent, THROWING_MESSAGE } from "../helpers/graphs.js";
import { agentIds, memoryLogger, raw, startACPServer } from "../helpers/server.js";

describe("an empty apiKey", () => {
  it.each(["", "  "])("is refused at construction (%j)", async (apiKey) => {
    const build = () => createACPServer({ agents: [echoAgent()], apiKey });
    expect(build).toThrow(ApiValueError);
    expect(build).toThrow(/apiKey is empty/);
    const serving = await serveACP({ agents: [echoAgent()], apiKey, port: 0 }).catch((e) => e);
    expect(serving).toBeInstanceOf(ApiValueError);
  });

  it("a server with a key lets no request with an empty x-api-key in", async () => {
    const running = await startACPServer({ apiKey: "a-real-key" });
    try {
      const answer = await raw(running.url, "GET", "/agents/search", undefined, {
        "x-api-key": "",
      });
      expect(answer.status).toBe(401);
    } finally {
      await running.close();
    }
  });
});

describe("a graph's error", () => {
  async function failingRun(exposeErrors?: boolean) {
    const logger = memoryLogger();
    const running = await startACPServer({
      logger,
      ...(exposeErrors === undefined ? {} : { exposeErrors }),
    });
    const client = ACPClient.fromConfiguration({ host: running.url });
    try {
      const waited = await client.createAndWaitForStatelessRunOutput({
        agent_id: agentIds.throwing,
        input: {},
      });
      const events: RunOutputStream[] = [];
      for await (const event of client.createAndStreamStatelessRunOutput({
        agent_id: agentIds.throwing,
        input: {},
      })) {
        events.push(event);
      }
      const streamed = events.at(-1)?.data;
      return { waited: waited.output, streamed, log: logger.lines.join("\n") };
    } finally {
      await client.close();
      await running.close();
    }
  }

  it("reaches clients as its class and a fixed message by default; the log has the full text", async () => {
    const { waited, streamed, log } = await failingRun();
    const description = "Error: the agent failed (the server's log has the details)";
    expect(waited).toEqual(expect.objectContaining({ type: "error", errcode: 500, description }));
    expect(streamed).toEqual(expect.objectContaining({ type: "error", description }));
    expect(JSON.stringify([waited, streamed])).not.toContain(THROWING_MESSAGE);
    expect(log).toContain(`failed: Error: ${THROWING_MESSAGE}`);
  });

  it("reaches clients in full with exposeErrors", async () => {
    const { waited, streamed } = await failingRun(true);
    expect(waited).toMatchObject({ type: "error", description: THROWING_MESSAGE });
    expect(streamed).toMatchObject({ type: "error", description: THROWING_MESSAGE });
  });
});
