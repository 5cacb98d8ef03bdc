/**
 * What a request carries beyond what the server knows: fields the spec does not name
 * are dropped before anything stores, sends back or walks them, and search filters
 * are held to the same `jsonLimits` as the values they match. A malformed request is
 * never a 500.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_JSON_LIMITS } from "../../src/server/index.js";
import { agentIds, raw, startACPServer, type TestACPServer } from "../helpers/server.js";

/** JSON text of an object nested `levels` deep (built as text: a value that deep cannot be stringified here). */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
const TOO_DEEP = 5000;
const json = { "content-type": "application/json" };

let running: TestACPServer;
beforeAll(async () => {
  running = await startACPServer();
});
afterAll(async () => {
  await running.close();
});

describe("a request field the server does not know", () => {
  it("is dropped: 9.5 MB of it is neither stored nor sent back", async () => {
    const unknown = "x".repeat(9.5 * 1024 * 1024);
    const created = await raw(running.url, "POST", "/runs/wait", {
      agent_id: agentIds.echo,
      input: { text: "kept" },
      metadata: { tag: "unknown-field" },
      unknown,
    });
    expect(created.status).toBe(200);
    expect(created.text.length).toBeLessThan(10_000);
    const run = (created.body as { run: { run_id: string; creation: Record<string, unknown> } })
      .run;
    expect(run.creation).toMatchObject({ input: { text: "kept" } });
    expect(run.creation).not.toHaveProperty("unknown");
    const read = await raw(running.url, "GET", `/runs/${run.run_id}`);
    expect(read.status).toBe(200);
    expect(read.text).not.toContain("xxxxxxxx");
    const found = await raw(running.url, "POST", "/runs/search", {
      metadata: { tag: "unknown-field" },
    });
    expect(found.body).toEqual([expect.objectContaining({ run_id: run.run_id })]);
    expect(found.text).not.toContain("xxxxxxxx");
  });

  it.each([
    [
      "POST",
      "/runs",
      `{"agent_id":"${agentIds.echo}","input":{"text":"x"},"unknown":${nested(TOO_DEEP)}}`,
    ],
    [
      "POST",
      `/threads/${randomUUID()}/runs`,
      `{"agent_id":"${agentIds.echo}","input":{"text":"x"},"if_not_exists":"create","unknown":${nested(TOO_DEEP)}}`,
    ],
  ])(`nested ${TOO_DEEP} levels deep is dropped, not a 500: %s %s`, async (method, path, body) => {
    const answer = await raw(running.url, method, path, body, json);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text).not.toContain('"unknown"');
  });
});

describe("a search filter", () => {
  it.each([
    ["/runs/search", "metadata"],
    ["/threads/search", "metadata"],
    ["/threads/search", "values"],
  ])(
    `on %s nested ${TOO_DEEP} levels in %s is a 422 naming the path and the limit`,
    async (path, field) => {
      const answer = await raw(running.url, "POST", path, `{"${field}":${nested(TOO_DEEP)}}`, json);
      expect(answer.status).toBe(422);
      const depth = DEFAULT_JSON_LIMITS.maxDepth;
      expect(answer.body).toBe(
        `${field}${".a".repeat(depth)}: nested deeper than the server allows (maxDepth ${depth})`,
      );
    },
  );

  it("within the limits still finds what it matches", async () => {
    const filter = { deep: { er: { still: [1, { x: true }] } } };
    const thread = await raw(running.url, "POST", "/threads", { metadata: filter });
    expect(thread.status).toBe(200);
    const found = await raw(running.url, "POST", "/threads/search", { metadata: filter });
    expect(found.status).toBe(200);
    expect(found.body).toEqual([
      expect.objectContaining({ thread_id: (thread.body as { thread_id: string }).thread_id }),
    ]);
  });
});
