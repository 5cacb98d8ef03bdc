/**
 * A replica that dies as it writes a run's end has written none of it: the end (the
 * run's terminal event and its status) is one write. Another replica then executes
 * the run again and ends it, and no stream ever shows two terminal events.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresStore } from "../../src/server/index.js";
import { StoreUnavailableError } from "../../src/server/stores/errors.js";
import type { StoredRun } from "../../src/server/stores/store.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import {
  agentIds,
  memoryLogger,
  raw,
  readSse,
  startACPServer,
  type TestACPServer,
} from "../helpers/server.js";

/** The statuses of the events of a stream that end it (any status but pending). */
async function terminalStatuses(response: Response): Promise<string[]> {
  const { frames } = await readSse(response);
  return frames
    .map((f) => (JSON.parse(f.data ?? "null") as { status?: string } | null)?.status)
    .filter((status): status is string => status !== undefined && status !== "pending");
}

describe.skipIf(!postgresAvailable)("a replica that dies as it writes a run's end", () => {
  let db: TestDatabase;
  let admin: pg.Client;
  let dying: TestACPServer;
  let other: TestACPServer;
  /** The run whose end the dying replica cannot write: it dies there. */
  let doomed: string | undefined;
  let killed: Promise<unknown> | undefined;

  /** Ends the dying replica's own connection: its lock goes, so it counts as dead. */
  const kill = async (run: StoredRun) => {
    const { rows } = await admin.query<{ owner: number }>(
      "SELECT owner FROM acp.runs WHERE run_id = $1",
      [run.run_id],
    );
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
      [`agntcy-acp replica ${rows[0]?.owner}`],
    );
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new pg.Client({ connectionString: db.url });
    admin.on("error", () => undefined);
    await admin.connect();
    const options = { sweepIntervalMs: 100, pollIntervalMs: 100, rejoinMaxDelayMs: 200 };
    const dyingLogger = memoryLogger();
    dying = await startACPServer({
      store: postgresStore(db.url, {
        ...options,
        logger: dyingLogger,
        faults: {
          // Test-only: this replica dies as its first execution of the doomed run
          // writes the run's end (each try of that write fails, as the replica is gone).
          beforeRunEnd(run) {
            if (run.run_id !== doomed || dying.gate.started + other.gate.started > 1) return;
            killed ??= kill(run);
            throw new StoreUnavailableError("the replica died here", "runs.update");
          },
        },
      }),
      logger: dyingLogger,
    });
    const otherLogger = memoryLogger();
    other = await startACPServer({
      store: postgresStore(db.url, { ...options, logger: otherLogger }),
      logger: otherLogger,
    });
    other.gate.release();
  });
  afterAll(async () => {
    dying?.gate.release();
    await Promise.all([dying?.close(), other?.close()]);
    await admin.end();
    await db.drop();
  });

  it("writes none of it: the run ends once, elsewhere, and its stream shows one end", async () => {
    // A stream on the dying replica, of a run it executes (it has a worker free).
    const created = await raw(dying.url, "POST", "/runs", {
      agent_id: agentIds.slow,
      input: { text: "once" },
      stream_mode: ["values"],
      on_disconnect: "continue",
    });
    expect(created.status).toBe(200);
    const runId = (created.body as { run_id: string }).run_id;
    doomed = runId;
    await dying.gate.waitForStarted(1);
    dying.gate.release();
    const live = fetch(`${dying.url}/runs/${runId}/stream`, {
      headers: { "last-event-id": "0" },
    });

    // The waiter on the other replica is told the run's real end.
    const done = await raw(other.url, "GET", `/runs/${runId}/wait`);
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({
      run: { status: "success" },
      output: { type: "result", values: { reply: "done: once" } },
    });
    expect(killed).toBeDefined();
    await killed;

    // The stored stream, replayed whole, ends once; so did the live one on the dying replica.
    const replay = await fetch(`${other.url}/runs/${runId}/stream`, {
      headers: { "last-event-id": "0" },
    });
    expect(await terminalStatuses(replay)).toEqual(["success"]);
    const seen = await terminalStatuses(await live);
    expect(seen.length).toBeLessThanOrEqual(1);
    for (const status of seen) expect(status).toBe("success");
  });
});
