/**
 * The round trips a run costs the PostgreSQL store, pinned so that they cannot grow
 * unnoticed: a stateless run is stored, claimed, given its events and ended in three
 * statements at most; a thread run in at most nine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresStore } from "../../src/server/index.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { countStoreStatements, type StatementCounter } from "../helpers/postgres-statements.js";
import { agentIds, raw, startACPServer, type TestACPServer } from "../helpers/server.js";

const RUNS = 10;

describe.skipIf(!postgresAvailable)("the PostgreSQL store's round trips per run", () => {
  let db: TestDatabase;
  let running: TestACPServer;
  let counter: StatementCounter;

  beforeAll(async () => {
    db = await createTestDatabase();
    // No polling or sweeping during the count: only what the runs themselves send.
    const store = postgresStore(db.url, { pollIntervalMs: 600_000, sweepIntervalMs: 600_000 });
    running = await startACPServer({ store });
    counter = countStoreStatements();
  });
  afterAll(async () => {
    counter?.stop();
    await running?.close();
    await db?.drop();
  });

  /** Statements per run over `RUNS` runs posted to `path` one after the other. */
  const perRun = async (path: string) => {
    // One run first, so that connections and statements are warm.
    await raw(running.url, "POST", path, { agent_id: agentIds.echo, input: { text: "warm" } });
    counter.reset();
    for (let i = 0; i < RUNS; i++) {
      const answer = await raw(running.url, "POST", path, {
        agent_id: agentIds.echo,
        input: { text: `hi ${i}` },
      });
      expect(answer.status).toBe(200);
    }
    return counter.statements.length / RUNS;
  };

  it("a stateless run: its creation with its claim, its events, its end", async () => {
    expect(await perRun("/runs/wait")).toBeLessThanOrEqual(3);
  });

  it("a thread run", async () => {
    const thread = (await raw(running.url, "POST", "/threads", {})).body as { thread_id: string };
    expect(await perRun(`/threads/${thread.thread_id}/runs/wait`)).toBeLessThanOrEqual(9);
  });
});
