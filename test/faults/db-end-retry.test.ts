/**
 * The store is unavailable as a run's end is written (a database restarting): the
 * execution keeps its result and writes it again, waiting longer each time, until the
 * store takes it; no client is told the run ended before it is stored. Past the
 * server's `storeRetryMs`, a waiter is answered 503 with Retry-After (wait again), and
 * the run is not ended in error.
 */
import { afterEach, describe, expect, it } from "vitest";
import { memoryStore } from "../../src/server/index.js";
import { StoreUnavailableError } from "../../src/server/stores/errors.js";
import type { StoreFaults } from "../../src/server/stores/store.js";
import {
  agentIds,
  memoryLogger,
  raw,
  readSse,
  startACPServer,
  type TestACPServer,
} from "../helpers/server.js";

const away = () => new StoreUnavailableError("the database is restarting", "runs.update");

describe("a run's end while the store is unavailable", () => {
  let server: TestACPServer | undefined;
  afterEach(async () => {
    server?.gate.release();
    await server?.close();
    server = undefined;
  });

  const start = async (faults: StoreFaults, storeRetryMs?: number) => {
    const logger = memoryLogger();
    server = await startACPServer({
      store: memoryStore({ logger, faults }),
      logger,
      ...(storeRetryMs !== undefined ? { storeRetryMs } : {}),
    });
    return server;
  };

  it("is written again until the store takes it, and only then told to its waiter", async () => {
    let refusals = 3;
    const running = await start({
      beforeRunEnd() {
        if (refusals > 0) {
          refusals -= 1;
          throw away();
        }
      },
    });
    const done = await raw(running.url, "POST", "/runs/wait", {
      agent_id: agentIds.echo,
      input: { text: "kept" },
    });
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ run: { status: "success" }, output: { type: "result" } });
    expect(refusals).toBe(0);
    const runId = (done.body as { run: { run_id: string } }).run.run_id;
    // As stored: what another request (or a restarted server) reads agrees.
    const stored = await raw(running.url, "GET", `/runs/${runId}`);
    expect(stored.body).toMatchObject({ status: "success" });
    const replay = await fetch(`${running.url}/runs/${runId}/stream`, {
      headers: { "last-event-id": "0" },
    });
    const { frames } = await readSse(replay);
    const ends = frames
      .map((f) => (JSON.parse(f.data ?? "null") as { status?: string }).status)
      .filter((status) => status !== "pending");
    expect(ends).toEqual(["success"]);
  });

  it("answers its waiter 503 with Retry-After past storeRetryMs, and does not end it in error", async () => {
    const running = await start(
      {
        beforeRunEnd() {
          throw away();
        },
      },
      200,
    );
    const created = await raw(running.url, "POST", "/runs", {
      agent_id: agentIds.echo,
      input: { text: "unstored" },
    });
    const runId = (created.body as { run_id: string }).run_id;
    const waited = await fetch(`${running.url}/runs/${runId}/wait`);
    expect(waited.status).toBe(503);
    expect(Number(waited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await waited.json()).toMatch(/could not be stored/);
    const run = await raw(running.url, "GET", `/runs/${runId}`);
    expect(run.body).toMatchObject({ status: "pending" });
  });
});
