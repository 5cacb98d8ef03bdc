/**
 * The configuration's `fetch` option: every request of the client goes through the
 * given function (plain calls, waits, streams, retries and redirect hops), against a
 * real server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration } from "../../src/index.js";
import { startServer, type TestServer } from "../helpers/http-server.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";

/** A `fetch` that records each call's method, URL and whether it carried a dispatcher. */
function recordingFetch() {
  const calls: { method: string; url: string; dispatcher: boolean }[] = [];
  const wrapped: typeof fetch = (input, init) => {
    calls.push({
      method: init?.method ?? "GET",
      url: String(input),
      dispatcher: (init as { dispatcher?: unknown } | undefined)?.dispatcher !== undefined,
    });
    return fetch(input, init);
  };
  return { calls, fetch: wrapped };
}

let acp: TestACPServer;
let front: TestServer;

beforeAll(async () => {
  acp = await startACPServer();
  // Busy once, then a redirect to the real server, for every request it gets.
  front = await startServer((req, res, _body, hit) => {
    if (hit % 2 === 1) {
      res.writeHead(503, { "retry-after": "0" });
      res.end("busy");
      return;
    }
    res.writeHead(307, { location: `${acp.url}${req.url}` });
    res.end();
  });
});

afterAll(async () => {
  await front?.close();
  acp?.gate.release();
  await acp?.close();
});

describe("the fetch option", () => {
  it("carries every call: a search, a wait and a stream, each once", async () => {
    const recorder = recordingFetch();
    const client = new ACPClient({
      configuration: new ApiClientConfiguration({ host: acp.url, fetch: recorder.fetch }),
    });
    const [agent] = await client.searchAgents({ name: "test.echo" });
    expect(agent?.agent_id).toBe(agentIds.echo);
    const output = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "hi" },
    });
    expect(output.output).toMatchObject({ type: "result", values: { reply: "echo: hi" } });
    const events = [];
    for await (const event of client.createAndStreamStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "streamed" },
      stream_mode: "values",
    })) {
      events.push(event);
    }
    expect(events.length).toBeGreaterThan(0);
    await client.close();
    expect(recorder.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      `POST ${acp.url}/agents/search`,
      `POST ${acp.url}/runs/wait`,
      `POST ${acp.url}/runs/stream`,
    ]);
  });

  it("carries each retry and each redirect hop", async () => {
    const recorder = recordingFetch();
    const client = new ACPClient({
      configuration: new ApiClientConfiguration({
        host: front.url,
        crossOriginRedirects: "strip-credentials",
        fetch: recorder.fetch,
      }),
    });
    const agent = await client.getAgentById(agentIds.echo);
    await client.close();
    expect(agent.agent_id).toBe(agentIds.echo);
    expect(recorder.calls.map((c) => c.url)).toEqual([
      `${front.url}/agents/${agentIds.echo}`,
      `${front.url}/agents/${agentIds.echo}`,
      `${acp.url}/agents/${agentIds.echo}`,
    ]);
  });

  it("is handed the undici dispatcher when a TLS setting needs one", async () => {
    const recorder = recordingFetch();
    const client = new ACPClient({
      configuration: new ApiClientConfiguration({
        host: acp.url,
        verifySsl: false,
        fetch: recorder.fetch,
      }),
    });
    await client.getAgentById(agentIds.echo);
    await client.close();
    expect(recorder.calls).toEqual([
      { method: "GET", url: `${acp.url}/agents/${agentIds.echo}`, dispatcher: true },
    ]);
  });

  it("is not shown when the configuration is serialised, and survives withOptions", () => {
    const recorder = recordingFetch();
    const configuration = new ApiClientConfiguration({ host: acp.url, fetch: recorder.fetch });
    expect(JSON.stringify(configuration)).not.toContain("fetch");
    expect(configuration.withOptions({ retries: 0 }).fetch).toBe(recorder.fetch);
    expect(() => new ApiClientConfiguration({ fetch: "nope" as never })).toThrow(/fetch/);
  });
});
