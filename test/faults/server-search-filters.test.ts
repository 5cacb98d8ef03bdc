/**
 * Search filters are held to the same `jsonLimits` as the values they match, and an
 * agent id to the form a path's agent id has: a malformed filter is a 422 naming what
 * is wrong, on every store, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_JSON_LIMITS } from "../../src/server/index.js";
import { memoryAndPostgresStores } from "../helpers/postgres.js";
import {
  agentIds,
  memoryLogger,
  raw,
  startACPServer,
  type TestACPServer,
} from "../helpers/server.js";

/** JSON text of an object nested `levels` deep (built as text: a value that deep cannot be stringified here). */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
const TOO_DEEP = 5000;
const json = { "content-type": "application/json" };

const stores = memoryAndPostgresStores();

describe.each(stores)("a search filter on the %s store", (_, store) => {
  let running: TestACPServer;
  beforeAll(async () => {
    running = await startACPServer({ store: store(), logger: memoryLogger() });
  });
  afterAll(async () => {
    await running.close();
  });

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

  it.each(["echo\u0000", "not an agent", ""])(
    "on /runs/search with agent_id %j, which names no agent, is a 422",
    async (agentId) => {
      const answer = await raw(running.url, "POST", "/runs/search", { agent_id: agentId });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatch(/^agent_id is not a UUID nor the id of an agent of this server/);
    },
  );

  it("within the limits still finds what it matches", async () => {
    const filter = { deep: { er: { still: [1, { x: true }] } } };
    const thread = await raw(running.url, "POST", "/threads", { metadata: filter });
    const run = await raw(running.url, "POST", "/runs/wait", {
      agent_id: agentIds.echo,
      input: { text: "x" },
      metadata: filter,
    });
    const threads = await raw(running.url, "POST", "/threads/search", { metadata: filter });
    const runs = await raw(running.url, "POST", "/runs/search", {
      agent_id: agentIds.echo,
      metadata: filter,
    });
    expect(threads.body).toEqual([
      expect.objectContaining({ thread_id: (thread.body as { thread_id: string }).thread_id }),
    ]);
    expect(runs.body).toEqual([
      expect.objectContaining({ run_id: (run.body as { run: { run_id: string } }).run.run_id }),
    ]);
  });
});
