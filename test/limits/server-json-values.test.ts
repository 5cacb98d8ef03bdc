/**
 * The server's limits on the JSON values a client sends (depth, metadata size), over
 * real HTTP: a value past a limit is a 422 naming the field and the limit, before
 * anything runs, and the records stay as they were.
 */
import { describe, expect, it } from "vitest";
import { agentIds, raw, serverScope } from "../helpers/server.js";

const { start } = serverScope("acp-json-limits-");

/** `{ a: { a: ... { a: 1 } } }`, `depth` objects deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value as Record<string, unknown>;
}

/** The JSON text of `nested(depth)`: too deep for `JSON.stringify` on a small stack. */
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

describe("values nested deeper than the server allows", () => {
  it("are a 422 naming the field and the limit, before anything runs; searches still answer", async () => {
    const { server, client } = await start();
    const deep = nestedJson(5000);
    const input = '{"text":"x"}';
    const cases: Array<[string, string, string]> = [
      [
        "/runs/wait",
        `{"agent_id":"${agentIds.echo}","input":${input},"metadata":${deep}}`,
        "metadata",
      ],
      [
        "/runs",
        `{"agent_id":"${agentIds.echo}","input":{"text":"x","deep":${deep}}}`,
        "input.deep",
      ],
      ["/threads", `{"metadata":${deep}}`, "metadata"],
    ];
    const thread = await client.createThread({ metadata: { kept: true } });
    cases.push([
      `/threads/${thread.thread_id}/runs/wait`,
      `{"agent_id":"${agentIds.echo}","input":${input},"config":{"configurable":${deep}}}`,
      "config.configurable",
    ]);
    for (const [path, body, field] of cases) {
      const answer = await raw(server.url, "POST", path, body, {
        "content-type": "application/json",
      });
      expect(answer.status).toBe(422);
      expect(answer.body).toEqual(expect.stringContaining(`${field}.a.a`));
      expect(answer.body).toEqual(expect.stringContaining("maxDepth 64"));
    }

    expect(await client.searchStatelessRuns({ limit: 10 })).toEqual([]);
    expect((await client.searchThreads({})).map((t) => t.thread_id)).toEqual([thread.thread_id]);
    expect((await client.getThread(thread.thread_id)).status).toBe("idle");
    await client.deleteThread(thread.thread_id);
    expect(await client.searchThreads({})).toEqual([]);
  });

  it("in a resume payload are a 422, and the run still waits for a valid resume", async () => {
    const { server, client } = await start();
    const asked = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "deep resume" },
    });
    const runId = asked.run?.run_id as string;
    const refused = await raw(
      server.url,
      "POST",
      `/runs/${runId}`,
      `{"answer":"x","deep":${nestedJson(5000)}}`,
      {
        "content-type": "application/json",
      },
    );
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual(expect.stringContaining("body.deep.a.a"));
    expect((await client.getStatelessRun(runId)).status).toBe("interrupted");
    await client.resumeStatelessRun(runId, { answer: "fine" });
    const next = await client.waitForStatelessRunOutput(runId);
    expect(next.output).toMatchObject({ type: "interrupt", interrupt: { question: "second?" } });
  });

  it("accept what is within the configured limits, and a field larger than its limit is a 422", async () => {
    const { server, client } = await start({
      jsonLimits: { maxDepth: 8, maxMetadataBytes: 100 },
    });
    const done = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "fits" },
      metadata: nested(8),
    });
    expect(done.run?.status).toBe("success");
    const tooDeep = await raw(server.url, "POST", "/runs", {
      agent_id: agentIds.echo,
      input: { text: "x" },
      metadata: nested(9),
    });
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body).toBe(
      "metadata.a.a.a.a.a.a.a.a: nested deeper than the server allows (maxDepth 8)",
    );
    const tooLarge = await raw(server.url, "POST", "/runs", {
      agent_id: agentIds.echo,
      input: { text: "x" },
      metadata: { note: "n".repeat(200) },
    });
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body).toEqual(expect.stringContaining("maxMetadataBytes 100"));
    const found = await client.searchStatelessRuns({ limit: 10 });
    expect(found.map((r) => r.run_id)).toEqual([done.run?.run_id]);
  });
});
