/**
 * The database restarts (`pg_ctl restart -m fast`: every connection is terminated)
 * while runs execute in one of two replicas, clients wait on them (in that replica and
 * in the other, which follows them) and stream them, and new runs are created on both.
 * The server lives through it; no client is told a run ended in error when it goes on
 * to succeed; a request that needs the database while it is away is answered 503 with
 * Retry-After, never 500; and every run the server acknowledged ends, exactly once.
 *
 * The test restarts a PostgreSQL server of its own (see `startTestCluster`), never the
 * one the other tests share.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { postgresStore } from "../../src/server/index.js";
import {
  postgresBinaries,
  startTestCluster,
  type TestCluster,
} from "../helpers/postgres-cluster.js";
import {
  agentIds,
  memoryLogger,
  raw,
  readSse,
  startACPServer,
  type TestACPServer,
} from "../helpers/server.js";

/** How many clients wait on, and how many stream, runs executing across the restart. */
const WAITERS = 8;
const STREAMS = 4;
/** How many threads have a run executing across the restart. */
const THREADS = 3;
/** How many runs are created at most while the database restarts, and by how many clients. */
const MAX_CREATES = 400;
const CREATE_LANES = 4;
/** How long a client asks again after a 503 at most. */
const ASK_AGAIN_MS = 60_000;

interface RunAnswer {
  run?: { run_id: string; status: string };
  output?: { type: string; values?: { reply?: string }; errcode?: number };
}

describe.skipIf(postgresBinaries === undefined)("the database restarts under load", () => {
  let cluster: TestCluster;
  /** The replica the runs are created on (and execute in), and one that follows them. */
  let server: TestACPServer;
  let follower: TestACPServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => void unhandled.push(err);

  beforeAll(async () => {
    process.on("uncaughtException", onUnhandled);
    process.on("unhandledRejection", onUnhandled);
    cluster = await startTestCluster();
    const start = () => {
      const logger = memoryLogger();
      return startACPServer({
        store: postgresStore(cluster.url, {
          logger,
          sweepIntervalMs: 200,
          pollIntervalMs: 100,
          rejoinMaxDelayMs: 200,
        }),
        logger,
      });
    };
    server = await start();
    follower = await start();
  });
  afterAll(async () => {
    server?.gate.release();
    follower?.gate.release();
    await Promise.all([server?.close(), follower?.close()]);
    await cluster?.remove();
    process.off("uncaughtException", onUnhandled);
    process.off("unhandledRejection", onUnhandled);
  });

  /** Waits for a run until it ends, asking again after each 503; every answer is checked. */
  const waitUntilEnded = (runPath: string): Promise<RunAnswer> =>
    vi.waitUntil(
      async () => {
        const answer = await raw(server.url, "GET", `${runPath}/wait`);
        if (answer.status === 503) return undefined;
        expect(answer.status, answer.text).toBe(200);
        const body = answer.body as RunAnswer;
        return body.run?.status === "pending" ? undefined : body;
      },
      { timeout: ASK_AGAIN_MS, interval: 50 },
    );

  /** The terminal events (status other than pending) of a run's whole stored stream. */
  const terminalEvents = async (runPath: string): Promise<unknown[]> => {
    const response = await fetch(`${server.url}${runPath}/stream`, {
      headers: { "last-event-id": "0" },
    });
    expect(response.status).toBe(200);
    const { frames } = await readSse(response);
    return frames
      .map((f) => JSON.parse(f.data ?? "null") as { status?: string })
      .filter((data) => data?.status !== undefined && data.status !== "pending");
  };

  it("answers no waiter falsely, never 500, and ends every acknowledged run once", async () => {
    const created: string[] = [];
    const create = async (agent: string, text: string, onFollower = false) =>
      raw((onFollower ? follower : server).url, "POST", "/runs", {
        agent_id: agent,
        input: { text },
      });

    // Runs that execute across the restart: waited for, and streamed.
    for (let i = 0; i < WAITERS; i++) {
      const answer = await create(agentIds.slow, `wait ${i}`);
      expect(answer.status).toBe(200);
      created.push((answer.body as { run_id: string }).run_id);
    }
    // Half of the waiters wait in the replica that executes the run, half in the other.
    const waits = created.map((id, i) =>
      raw((i % 2 === 0 ? server : follower).url, "GET", `/runs/${id}/wait`),
    );
    const streams = Array.from({ length: STREAMS }, (_, i) =>
      fetch(`${server.url}/runs/stream`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          agent_id: agentIds.slow,
          input: { text: `stream ${i}` },
          stream_mode: ["values"],
          on_disconnect: "continue",
        }),
      }),
    );
    // Thread runs that execute across the restart, each holding its thread.
    const threadRuns: string[] = [];
    for (let i = 0; i < THREADS; i++) {
      const thread = await raw(server.url, "POST", "/threads", {});
      const threadId = (thread.body as { thread_id: string }).thread_id;
      const run = await raw(server.url, "POST", `/threads/${threadId}/runs`, {
        agent_id: agentIds.slow,
        input: { text: `thread ${i}` },
      });
      expect(run.status, run.text).toBe(200);
      threadRuns.push(`/threads/${threadId}/runs/${(run.body as { run_id: string }).run_id}`);
    }
    const threadWaits = threadRuns.map((path, i) =>
      raw((i % 2 === 0 ? follower : server).url, "GET", `${path}/wait`),
    );
    const started = WAITERS + STREAMS + THREADS;
    await vi.waitUntil(() => server.gate.started + follower.gate.started >= started, {
      timeout: 15_000,
      interval: 20,
    });

    // Runs created while the database restarts: each is acknowledged, or refused 503.
    let restarting = true;
    const statuses: number[] = [];
    const lanes = Array.from({ length: CREATE_LANES }, async (_, lane) => {
      for (let i = 0; restarting && statuses.length < MAX_CREATES; i++) {
        const answer = await create(agentIds.echo, `create ${lane}.${i}`, lane % 2 === 1);
        statuses.push(answer.status);
        if (answer.status === 503) {
          expect(answer.text).toBeTruthy();
        } else if (answer.status === 200) {
          created.push((answer.body as { run_id: string }).run_id);
        }
      }
    });
    await cluster.restart();
    restarting = false;
    await Promise.all(lanes);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);

    server.gate.release();
    follower.gate.release();

    // The waiters from before the restart: an answer they got is true, or a 503.
    const answers = await Promise.all([...waits, ...threadWaits]);
    for (const answer of answers) {
      expect([200, 503], answer.text).toContain(answer.status);
      if (answer.status === 200) {
        expect((answer.body as RunAnswer).run?.status, answer.text).toBe("success");
      }
    }
    // A stream shows at most one terminal event, and only the run's real end.
    for (const response of await Promise.all(streams)) {
      expect(response.status).toBe(200);
      created.push((response.headers.get("content-location") ?? "").replace("/runs/", ""));
      const { frames } = await readSse(response);
      const ends = frames
        .map((f) => JSON.parse(f.data ?? "null") as { status?: string })
        .filter((data) => data?.status !== undefined && data.status !== "pending");
      expect(ends.length).toBeLessThanOrEqual(1);
      for (const end of ends) expect(end.status).toBe("success");
    }

    // Every acknowledged run ends in success, with one terminal event.
    for (const runPath of [...created.map((id) => `/runs/${id}`), ...threadRuns]) {
      const done = await waitUntilEnded(runPath);
      expect(done.run?.status, JSON.stringify(done)).toBe("success");
      expect(await terminalEvents(runPath)).toHaveLength(1);
    }
    // And frees its thread.
    for (const runPath of threadRuns) {
      const thread = await raw(server.url, "GET", runPath.replace(/\/runs\/.*$/, ""));
      expect(thread.body).toMatchObject({ status: "idle" });
    }
    expect(unhandled).toEqual([]);
  }, 120_000);
});
