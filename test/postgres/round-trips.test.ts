/**
 * The round trips a run costs the PostgreSQL store, its checkpointer included, pinned so
 * that they cannot grow unnoticed: a stateless run is stored, claimed, given its events
 * and ended in three statements at most, its checkpoints in seven; a thread run, with the
 * graph's checkpoints, in at most nine, none of them a transaction (with LangGraph's
 * own saver, a transaction per checkpoint and per task's writes with a statement per
 * row, and the thread's update in a transaction of its own, a thread run took 36
 * statements, a stateless run 33). Thread runs posted at once share their statements.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresStore } from "../../src/server/index.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { countStoreStatements, type StatementCounter } from "../helpers/postgres-statements.js";
import { agentIds, raw, startACPServer, type TestACPServer } from "../helpers/server.js";

const RUNS = 10;

/**
 * A statement of the checkpointer's: it names one of LangGraph's checkpoint tables, and
 * writes no run (a thread run's creation and its end read the thread's latest checkpoint).
 */
const CHECKPOINTER = /\.(checkpoints|checkpoint_blobs|checkpoint_writes)\b/;
/** A statement that stores a run, or writes one stored. */
const RUN_WRITE = /(INSERT INTO|UPDATE) \S+\.runs\b/;
/** A write of a stored run. */
const RUN_UPDATE = /UPDATE \S+\.runs\b/;
/** A read of threads' latest checkpoint ids and nothing else, alone or batched. */
const HEAD_READ = /^SELECT \(SELECT c\.checkpoint_id FROM \S+\.checkpoints\b/;

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
    const count = (test: (s: string) => boolean) =>
      counter.statements.filter((s) => test(s.trim())).length / RUNS;
    return {
      all: counter.statements.length / RUNS,
      checkpointer: count((s) => CHECKPOINTER.test(s) && !RUN_WRITE.test(s)),
      runUpdates: count((s) => RUN_UPDATE.test(s)),
      headReads: count((s) => HEAD_READ.test(s)),
      transactions: count((s) => /^BEGIN\b/i.test(s)),
    };
  };

  it("a stateless run: its creation with its claim, its events, its end, its checkpoints", async () => {
    const counted = await perRun("/runs/wait");
    expect(counted.all - counted.checkpointer).toBeLessThanOrEqual(3);
    // The test agent may stop at interrupts, so its stateless runs keep checkpoints until
    // they end: a read, three checkpoints, two tasks' writes, one delete.
    expect(counted.checkpointer).toBeLessThanOrEqual(7);
    expect(counted.transactions).toBe(0);
    expect(counter.unprepared).toEqual([]);
  });

  it("a thread run, its checkpoints included: one statement per checkpoint and per task's writes", async () => {
    const thread = (await raw(running.url, "POST", "/threads", {})).body as { thread_id: string };
    const counted = await perRun(`/threads/${thread.thread_id}/runs/wait`);
    // Its baseline is named as it is created, claiming its free thread, and its head by
    // the write of its end: the run is written once more, at its end, and the head never
    // read alone (before, a read of the head and a write of the run before its graph
    // started, and a read of the head before its end); its thread, not read, is made the
    // run's by the statement that stores the run and claims the thread (before, read as
    // the run was created: 10; before that, patched from that read in a statement of its
    // own: 11; before that, read again first: 15 statements).
    expect(counted.runUpdates).toBe(1);
    expect(counted.headReads).toBe(0);
    // The graph's own read; three checkpoints, two tasks' writes.
    expect(counted.checkpointer).toBeLessThanOrEqual(6);
    expect(counted.all).toBeLessThanOrEqual(9);
    expect(counted.transactions).toBe(0);
    // Each of them prepared once per connection, not parsed and planned at every run.
    expect(counter.unprepared).toEqual([]);
  });

  it("thread runs posted at once share their statements, each answered as alone", async () => {
    const threads = await Promise.all(
      Array.from({ length: RUNS }, async () => {
        const made = await raw(running.url, "POST", "/threads", {});
        return (made.body as { thread_id: string }).thread_id;
      }),
    );
    // Each thread warm once (its first run creates its checkpoints), one after the other.
    for (const id of threads) {
      await raw(running.url, "POST", `/threads/${id}/runs/wait`, {
        agent_id: agentIds.echo,
        input: { text: "warm" },
      });
    }
    counter.reset();
    const answers = await Promise.all(
      threads.map((id, i) =>
        raw(running.url, "POST", `/threads/${id}/runs/wait`, {
          agent_id: agentIds.echo,
          input: { text: `at once ${i}` },
        }),
      ),
    );
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        run: { status: "success" },
        // Each thread's own state: its warm-up and this run, nothing of another thread's.
        output: { values: { reply: `echo: at once ${i}`, history: ["warm", `at once ${i}`] } },
      });
    }
    // Alone, a thread run takes up to 11 (the test above); together they share them
    // (about 2.5 a run here), the writes of one turn in one statement per kind.
    expect(counter.statements.length).toBeLessThan(RUNS * 5);
  });
});
