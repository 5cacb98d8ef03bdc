/**
 * Three server processes (`acp serve` with `DATABASE_URL`) on one PostgreSQL database,
 * the client spreading requests round-robin: runs created on one replica are streamed, waited for and cancelled
 * through another, one thread is hammered from all three, and one replica is killed
 * with SIGKILL half-way. Every acknowledged run must end in a terminal state, none
 * lost, none executed to completion twice, every stream complete and in order.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ACPClient, ApiClientConfiguration, type RunOutputStream } from "../../src/index.js";
import { deriveAgentId } from "../../src/server/index.js";
import { startAcp } from "../helpers/acp-process.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";

const AGENT = deriveAgentId("replica.steps", "1.0.0");
/** Joins a stream from its first event: without `Last-Event-ID`, a join gets new events only. */
const FROM_START = { headers: { "last-event-id": "0" } };
const AGENTS = "test/helpers/replica-agents.ts";

interface Replica {
  process: ChildProcess;
  url: string;
  client: ACPClient;
}

/** One replica: `acp serve` on the shared database, named by `DATABASE_URL`. */
function startReplica(databaseUrl: string): Promise<Replica> {
  const child = startAcp(["serve", AGENTS, "--port", "0"], {
    env: { DATABASE_URL: databaseUrl },
  });
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  return new Promise((done, fail) => {
    let text = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const url = text.match(/serving on (\S+)/)?.[1];
      if (!url || !text.includes("in PostgreSQL")) return;
      child.stdout?.removeAllListeners("data");
      const client = new ACPClient({ configuration: new ApiClientConfiguration({ host: url }) });
      done({ process: child, url, client });
    });
    child.once("exit", (code) => fail(new Error(`a replica exited with ${code} before serving`)));
  });
}

/** What one acknowledged run is expected to do. */
interface Tracked {
  runId: string;
  steps: number;
  /** The replica that acknowledged it. */
  creator: number;
  cancelled?: boolean;
  threadId?: string;
  /** Executing in the replica that is killed. */
  victim?: boolean;
}

/** Runs `tasks` with at most `limit` at once. */
async function inBatches<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

/** Reads `stream` to its end into `events`, which a test may watch meanwhile. */
async function collect(
  stream: AsyncIterable<RunOutputStream>,
  events: RunOutputStream[] = [],
): Promise<RunOutputStream[]> {
  for await (const event of stream) events.push(event);
  return events;
}

/** The events of a complete stream of `steps` steps: custom events 1..steps in order, then one terminal event. */
function expectCompleteStream(events: RunOutputStream[], count: number, takenOver = false): void {
  const ids = events.map((e) => Number(e.id));
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(new Set(ids).size).toBe(ids.length);
  const steps = events.flatMap((e) => (e.data.type === "custom" ? [e.data.update.step] : []));
  // A run taken over starts again from its input (the agent keeps no checkpoint of a
  // stateless run): the steps of the dead execution come first, then all of them.
  expect(takenOver ? steps.slice(-count) : steps).toEqual(
    Array.from({ length: count }, (_, i) => i + 1),
  );
  const terminal = events.filter((e) => e.data.status !== "pending");
  expect(terminal).toHaveLength(1);
  expect(events.at(-1)).toBe(terminal[0]);
}

describe.skipIf(!postgresAvailable)("three replicas on one PostgreSQL", () => {
  let db: TestDatabase;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    // The first creates the schema; the other two start together against it.
    replicas.push(await startReplica(db.url));
    replicas.push(...(await Promise.all([startReplica(db.url), startReplica(db.url)])));
  }, 120_000);
  afterAll(async () => {
    for (const r of replicas) {
      await r.client.close();
      if (r.process.exitCode === null) r.process.kill("SIGTERM");
    }
    await Promise.all(
      replicas.map((r) =>
        r.process.exitCode === null && r.process.signalCode === null
          ? new Promise((done) => r.process.once("exit", done))
          : undefined,
      ),
    );
    await db.drop();
  });

  it("ends every acknowledged run once, whichever replica is asked or dies", async () => {
    const tracked: Tracked[] = [];
    const streams: Array<
      Promise<{ steps: number; events: RunOutputStream[]; takenOver: boolean }>
    > = [];
    const live = [0, 1, 2];
    let turn = 0;
    const nextReplica = () => live[turn++ % live.length] as number;
    /** A replica other than `creator` that stays alive. */
    const other = (creator: number) => (creator === 0 ? 1 : 0);

    const createRun = async (steps: number, ms: number, join: boolean) => {
      const creator = nextReplica();
      const run = await (replicas[creator] as Replica).client.createStatelessRun({
        agent_id: AGENT,
        input: { token: randomUUID(), steps, ms },
        stream_mode: ["custom", "values"],
      });
      const entry: Tracked = { runId: run.run_id, steps, creator };
      tracked.push(entry);
      if (join) {
        const client = (replicas[other(creator)] as Replica).client;
        streams.push(
          collect(client.streamStatelessRunOutput(run.run_id, FROM_START)).then((events) => ({
            steps,
            events,
            takenOver: false,
          })),
        );
      }
      return entry;
    };

    // One thread, hammered from all three replicas with enqueued runs.
    const threadId = randomUUID();
    await (replicas[0] as Replica).client.createThread({ thread_id: threadId });
    const hammer = Array.from({ length: 24 }, (_, i) => async () => {
      const creator = live[i % live.length] as number;
      const run = await (replicas[creator] as Replica).client.createThreadRun(threadId, {
        agent_id: AGENT,
        input: { token: randomUUID(), steps: 2, ms: 10 },
        multitask_strategy: "enqueue",
      });
      tracked.push({ runId: run.run_id, steps: 2, creator, threadId });
    });

    // First half: 150 runs, 25 streams joined elsewhere, 8 cancels sent elsewhere.
    const firstHalf = Array.from(
      { length: 150 },
      (_, i) => () => createRun(3, 20, i % 5 === 0).then(() => undefined),
    );
    await inBatches(8, [...firstHalf, ...hammer.slice(0, 12)]);
    const toCancel = await inBatches(
      4,
      Array.from({ length: 8 }, () => () => createRun(40, 50, false)),
    );
    await inBatches(
      4,
      toCancel.map((entry) => async () => {
        entry.cancelled = true;
        await (replicas[other(entry.creator)] as Replica).client.cancelStatelessRun(entry.runId);
      }),
    );

    // Runs that are executing on replica 2 when it dies, each streamed from replica 0.
    const victim = replicas[2] as Replica;
    const victimStreams: RunOutputStream[][] = [];
    const onVictim = await inBatches(
      4,
      Array.from({ length: 6 }, () => async () => {
        const run = await victim.client.createStatelessRun({
          agent_id: AGENT,
          input: { token: randomUUID(), steps: 10, ms: 100 },
          stream_mode: ["custom", "values"],
        });
        const entry: Tracked = { runId: run.run_id, steps: 10, creator: 2, victim: true };
        tracked.push(entry);
        const seen: RunOutputStream[] = [];
        victimStreams.push(seen);
        streams.push(
          collect(
            (replicas[0] as Replica).client.streamStatelessRunOutput(run.run_id, FROM_START),
            seen,
          ).then((events) => ({ steps: 10, events, takenOver: true })),
        );
        return entry;
      }),
    );
    // Under way: a few of their ten steps streamed, most still to come.
    const stepsSeen = (events: RunOutputStream[]) =>
      events.filter((e) => e.data.type === "custom").length;
    await vi.waitUntil(() => victimStreams.every((events) => stepsSeen(events) >= 3), {
      timeout: 30_000,
      interval: 10,
    });
    victim.process.kill("SIGKILL");
    live.splice(live.indexOf(2), 1);

    // Second half, on the survivors.
    const secondHalf = Array.from(
      { length: 150 - onVictim.length },
      (_, i) => () => createRun(3, 20, i % 5 === 0).then(() => undefined),
    );
    await inBatches(8, [...secondHalf, ...hammer.slice(12)]);

    // Every acknowledged run ends, asked of a survivor; none is lost.
    const outcomes = await inBatches(
      8,
      tracked.map((entry, i) => async () => {
        const client = (replicas[i % 2] as Replica).client;
        const output = entry.threadId
          ? await client.waitForThreadRunOutput(entry.threadId, entry.runId)
          : await client.waitForStatelessRunOutput(entry.runId);
        return { entry, output };
      }),
    );
    for (const { entry, output } of outcomes) {
      const status = output.run?.status;
      if (entry.cancelled) expect(status).toBe("error");
      else if (entry.creator === 2 && !entry.victim) expect(["success", "error"]).toContain(status);
      else expect(status).toBe("success");
      // The runs executing in the killed replica were taken over and completed elsewhere.
      if (entry.victim)
        expect(output.output).not.toMatchObject({ values: { pid: victim.process.pid } });
      if (status === "error") {
        // A cancelled run ends 499; one stopped with its replica's shutdown ends 503.
        const errcode = entry.cancelled ? 499 : 503;
        expect(output.output).toMatchObject({ type: "error", errcode });
      }
      if (status === "success") {
        expect(output.output).toMatchObject({ type: "result", values: { done: entry.steps } });
      }
    }

    // Every stream joined on another replica is complete and in order.
    let restarted = 0;
    for (const { steps, events, takenOver } of await Promise.all(streams)) {
      expectCompleteStream(events, steps, takenOver);
      if (events.filter((e) => e.data.type === "custom").length > steps) restarted += 1;
    }
    // Some of them had begun in the killed replica and were begun again by a survivor.
    expect(restarted).toBeGreaterThan(0);

    // None ran to completion twice: each finished run's replayed log has one end.
    const finished = outcomes.filter(
      ({ entry, output }) => !entry.threadId && output.run?.status === "success",
    );
    await inBatches(
      8,
      finished.map(({ entry }) => async () => {
        const events = await collect(
          (replicas[0] as Replica).client.streamStatelessRunOutput(entry.runId, FROM_START),
        );
        expect(events.filter((e) => e.data.status !== "pending")).toHaveLength(1);
      }),
    );
  }, 240_000);
});
