/**
 * A replica whose own database connection breaks (a restarted database, a network cut)
 * stops the runs it executes, which are taken over, and joins the replicas again: it
 * goes back to executing runs instead of serving requests while claiming nothing.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ACPClient, ApiClientConfiguration } from "../../src/index.js";
import { postgresStore } from "../../src/server/index.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { agentIds, memoryLogger, startACPServer, type TestACPServer } from "../helpers/server.js";

type MemoryLogger = ReturnType<typeof memoryLogger>;

/** How long a poll may wait for what another replica does. */
const patiently = { timeout: 15_000, interval: 25 };

describe.skipIf(!postgresAvailable)("a replica that loses its connection", () => {
  let db: TestDatabase;
  let admin: pg.Client;
  let cut: TestACPServer;
  let other: TestACPServer;
  let cutLogger: MemoryLogger;
  let clients: [ACPClient, ACPClient];

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const start = (logger: MemoryLogger) =>
      startACPServer({
        store: postgresStore(db.url, {
          logger,
          sweepIntervalMs: 200,
          pollIntervalMs: 100,
          rejoinMaxDelayMs: 200,
        }),
        logger,
      });
    cutLogger = memoryLogger();
    cut = await start(cutLogger);
    other = await start(memoryLogger());
    clients = [cut, other].map(
      (s) => new ACPClient({ configuration: new ApiClientConfiguration({ host: s.url }) }),
    ) as [ACPClient, ACPClient];
  });
  afterAll(async () => {
    for (const server of [cut, other]) server.gate.release();
    for (const client of clients) await client.close();
    await Promise.all([cut.close(), other.close()]);
    await admin.end();
    await db.drop();
  });

  /** The replica (its advisory lock's key) that executes `runId`. */
  const ownerOf = async (runId: string) =>
    (
      await admin.query<{ owner: number | null }>("SELECT owner FROM acp.runs WHERE run_id = $1", [
        runId,
      ])
    ).rows[0]?.owner ?? null;

  it("its run is taken over and ends, and it executes runs again", async () => {
    const [onCut, onOther] = clients;
    const run = await onCut.createStatelessRun({ agent_id: agentIds.slow, input: { text: "cut" } });
    await cut.gate.waitForStarted(1);
    const owner = await ownerOf(run.run_id);
    expect(owner).not.toBeNull();

    // The replica's own connection (the one that holds its lock and listens) is cut.
    const { rows } = await admin.query<{ ended: boolean }>(
      "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1",
      [`agntcy-acp replica ${owner}`],
    );
    expect(rows.map((r) => r.ended)).toEqual([true]);

    // It stops the run; it is taken over (by either replica, under a new id) and ends.
    await vi.waitUntil(() => cut.gate.aborted === 1, patiently);
    await vi.waitUntil(async () => {
      const now = await ownerOf(run.run_id);
      return now !== null && now !== owner;
    }, patiently);
    cut.gate.release();
    other.gate.release();
    const done = await onOther.waitForStatelessRunOutput(run.run_id);
    expect(done.run?.status, JSON.stringify(done.output)).toBe("success");
    expect(done.output).toMatchObject({ values: { reply: "done: cut" } });

    await vi.waitUntil(
      () => cutLogger.lines.some((m) => /joined the replicas again/.test(m)),
      patiently,
    );
    // Joined again, it claims what it is asked to run, as before the cut: a run created
    // there executes there (a replica that claims nothing would leave it to the other).
    const startedHere = cut.gate.started;
    const startedThere = other.gate.started;
    const next = await onCut.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.slow,
      input: { text: "again" },
    });
    expect(next.output).toMatchObject({ values: { reply: "done: again" } });
    expect(cut.gate.started).toBe(startedHere + 1);
    expect(other.gate.started).toBe(startedThere);
  });
});
