/**
 * What a request carries beyond what the server knows: fields the spec does not name
 * are dropped before anything stores, sends back or walks them, so however large or
 * deep they are, they are never a 500.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
