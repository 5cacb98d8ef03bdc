/**
 * A new thread run stored by the PostgreSQL store claims its thread and makes itself
 * the thread's latest run (agent, last run, update time) in the statement that stores
 * it: from the thread's record as its store read it last, when it is still that one;
 * else, not read lately, by setting those fields in the stored record as `jsonb`. A
 * record written since it was read, or unread and holding a `\u` escape (PostgreSQL's
 * `jsonb` refuses `\u0000` and lone surrogates), is patched apart, and keeps it.
 */
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RecordDecoder } from "../../src/server/stores/codec.js";
import { PostgresRunStore, PostgresThreadStore } from "../../src/server/stores/postgres/store.js";
import type { StoredThread } from "../../src/server/stores/store.js";
import { migratedTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { countStoreStatements, type StatementCounter } from "../helpers/postgres-statements.js";
import { storedRun, storedThread } from "../helpers/store-suite.js";

const SCHEMA = "acp";
const input = { kind: "input" } as const;

describe.skipIf(!postgresAvailable)("a new thread run on the PostgreSQL store", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let runs: PostgresRunStore;
  let threads: PostgresThreadStore;
  /** Another process's view of the same threads: its writes come between. */
  let elsewhere: PostgresThreadStore;
  let counter: StatementCounter;

  beforeAll(async () => {
    ({ db, pool } = await migratedTestDatabase(SCHEMA, 8));
    const decoder = new RecordDecoder(console);
    threads = new PostgresThreadStore(Promise.resolve(pool), SCHEMA, decoder);
    elsewhere = new PostgresThreadStore(Promise.resolve(pool), SCHEMA, decoder);
    runs = new PostgresRunStore(Promise.resolve(pool), SCHEMA, decoder, undefined, threads);
    counter = countStoreStatements();
  });
  afterAll(async () => {
    counter?.stop();
    await pool?.end();
    await db?.drop();
  });
  beforeEach(() => counter.reset());

  /** A thread stored, then read here, as a run's creation reads it. */
  const readThread = async (fields: Partial<StoredThread> = {}) => {
    const thread = storedThread(fields);
    await threads.create(thread);
    expect(await threads.get(thread.thread_id)).toEqual(thread);
    counter.reset();
    return thread;
  };
  const latest = (thread: StoredThread, run: ReturnType<typeof storedRun>) => ({
    ...thread,
    agent_id: run.agent_id,
    updated_at: run.created_at,
    last_run_id: run.run_id,
    busy_run_id: run.run_id,
  });

  it("claims the thread and makes the run its latest in the one statement that stores it", async () => {
    const thread = await readThread({ metadata: { note: "a \u0000 b" } });
    const run = storedRun({ thread_id: thread.thread_id, agent_id: "agent-b" });
    expect(await runs.insertQueued(run, input, { threadId: thread.thread_id }, 1)).toBeUndefined();
    expect(counter.statements).toHaveLength(1);
    expect(await threads.get(thread.thread_id)).toEqual(latest(thread, run));
  });

  it("patches the thread apart when it was written since it was read", async () => {
    const thread = await readThread();
    await elsewhere.patch(thread.thread_id, { metadata: { team: "b" } });
    counter.reset();
    const run = storedRun({ thread_id: thread.thread_id });
    expect(await runs.insertQueued(run, input, { threadId: thread.thread_id }, 1)).toBeUndefined();
    // The claim, then the patch: its read and its write.
    expect(counter.statements.length).toBeGreaterThan(1);
    expect(await threads.get(thread.thread_id)).toEqual({
      ...latest(thread, run),
      metadata: { team: "b" },
    });
  });

  it("makes each run of a turn its thread's latest, read lately or not", async () => {
    const read = [await readThread(), await readThread({ metadata: { n: "\u0000" } })];
    const unread = storedThread();
    await threads.create(unread);
    const all = [...read, unread];
    const made = all.map((t) => storedRun({ thread_id: t.thread_id }));
    counter.reset();
    const answers = await Promise.all(
      made.map((run, i) =>
        runs.insertQueued(run, input, { threadId: all[i]?.thread_id as string }, 1),
      ),
    );
    expect(answers).toEqual([undefined, undefined, undefined]);
    for (const [i, thread] of all.entries()) {
      expect(await threads.get(thread.thread_id)).toEqual(latest(thread, made[i] as never));
    }
  });

  it("makes the run an unread thread's latest in the one statement, as jsonb", async () => {
    const thread = storedThread({ metadata: { team: 'ä " b' } });
    await threads.create(thread);
    counter.reset();
    const run = storedRun({ thread_id: thread.thread_id, agent_id: "agent-c" });
    expect(await runs.insertQueued(run, input, { threadId: thread.thread_id }, 1)).toBeUndefined();
    expect(counter.statements).toHaveLength(1);
    expect(await threads.get(thread.thread_id)).toEqual(latest(thread, run));
  });

  it("patches apart an unread thread whose record holds an escape jsonb refuses, and keeps it", async () => {
    for (const note of ["a \u0000 b", "lone \ud800"]) {
      const thread = storedThread({ metadata: { note } });
      await threads.create(thread);
      counter.reset();
      const run = storedRun({ thread_id: thread.thread_id });
      expect(
        await runs.insertQueued(run, input, { threadId: thread.thread_id }, 1),
      ).toBeUndefined();
      // The claim, then the patch: its read and its write.
      expect(counter.statements.length).toBeGreaterThan(1);
      expect(await threads.get(thread.thread_id)).toEqual(latest(thread, run));
    }
  });

  it("leaves a thread another run holds as it was, and stores nothing", async () => {
    const thread = await readThread();
    const holder = storedRun({ thread_id: thread.thread_id });
    await runs.insertQueued(holder, input, { threadId: thread.thread_id }, 1);
    const before = await threads.get(thread.thread_id);
    const refused = storedRun({ thread_id: thread.thread_id });
    expect(await runs.insertQueued(refused, input, { threadId: thread.thread_id }, 1)).toBe(
      holder.run_id,
    );
    expect(await runs.get(refused.run_id)).toBeUndefined();
    expect(await threads.get(thread.thread_id)).toEqual(before);
  });
});
