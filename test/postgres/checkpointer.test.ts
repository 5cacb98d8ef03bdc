/**
 * The PostgreSQL store's checkpointer writes LangGraph's `PostgresSaver` tables in
 * LangGraph's row format, one statement per `put` and per `putWrites`: a thread written
 * by either saver is read and continued by the other, the same calls leave the same
 * rows, and a `put` whose statement fails leaves nothing behind.
 */

import type { BaseCheckpointSaver, CheckpointTuple } from "@langchain/langgraph";
import {
  Annotation,
  Command,
  END,
  INTERRUPT,
  interrupt,
  isInterrupted,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphState, writeCheckpoints } from "../../src/server/runs/graph-state.js";
import type { LatestCheckpointNaming } from "../../src/server/stores/latest-checkpoint.js";
import { compactPostgresSaver } from "../../src/server/stores/postgres/saver.js";
import { checkpointRowsOf, refuseCheckpointsOf } from "../helpers/checkpoint-rows.js";
import { migratedTestDatabase, postgresAvailable, type TestDatabase } from "../helpers/postgres.js";
import { countStoreStatements } from "../helpers/postgres-statements.js";

const SCHEMA = "acp";

/** Two branches in parallel (a step of several writes), then a question, then the end. */
function conversation(saver: BaseCheckpointSaver) {
  const State = Annotation.Root({
    log: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
    answer: Annotation<string>(),
  });
  return new StateGraph(State)
    .addNode("left", () => ({ log: ["left"] }))
    .addNode("right", () => ({ log: ["right \u0000 with a NUL"] }))
    .addNode("ask", () => ({ answer: interrupt({ question: "name?" }) as string }))
    .addNode("close", (state) => ({ log: [`bye ${state.answer}`] }))
    .addEdge(START, "left")
    .addEdge(START, "right")
    .addEdge("left", "ask")
    .addEdge("right", "ask")
    .addEdge("ask", "close")
    .addEdge("close", END)
    .compile({ checkpointer: saver });
}

describe.skipIf(!postgresAvailable)("the PostgreSQL store's checkpointer", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let theirs: PostgresSaver;
  let ours: PostgresSaver;

  beforeAll(async () => {
    ({ db, pool, saver: theirs } = await migratedTestDatabase(SCHEMA, 4));
    ours = compactPostgresSaver(PostgresSaver, pool, SCHEMA);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });

  /** A thread's state and history as `saver` reads them, without ids or times. */
  const readBy = async (saver: BaseCheckpointSaver, threadId: string) => {
    const graph = conversation(saver);
    const state = await graph.getState(config(threadId));
    const history = [];
    for await (const snapshot of graph.getStateHistory(config(threadId))) {
      history.push({
        values: snapshot.values,
        next: snapshot.next,
        step: snapshot.metadata?.step,
        source: snapshot.metadata?.source,
        interrupts: snapshot.tasks.flatMap((t) => t.interrupts.map((i) => i.value)),
      });
    }
    return { values: state.values, next: state.next, history };
  };

  /** Runs a thread to its question with `first`, and answers it with `second`. */
  const converse = async (first: BaseCheckpointSaver, second: BaseCheckpointSaver, id: string) => {
    const asked = await conversation(first).invoke({ log: ["hi"] }, config(id));
    expect(isInterrupted(asked) && asked[INTERRUPT][0]?.value).toEqual({ question: "name?" });
    // The question waits in the thread, as the other saver reads it.
    const waiting = await readBy(second, id);
    expect(waiting.next).toEqual(["ask"]);
    const done = await conversation(second).invoke(new Command({ resume: "Ada" }), config(id));
    expect(done.log).toEqual(["hi", "left", "right \u0000 with a NUL", "bye Ada"]);
    expect(done.answer).toBe("Ada");
  };

  it("continues a thread LangGraph's saver wrote, and LangGraph's saver continues one it wrote", async () => {
    await converse(theirs, ours, "theirs-then-ours");
    await converse(ours, theirs, "ours-then-theirs");
    await converse(theirs, theirs, "theirs-only");
    const reference = await readBy(theirs, "theirs-only");
    expect(reference.history.length).toBeGreaterThan(4);
    for (const thread of ["theirs-then-ours", "ours-then-theirs"]) {
      // Read by both savers, each thread's state and history are those of a thread
      // LangGraph's saver wrote alone.
      expect(await readBy(ours, thread)).toEqual(reference);
      expect(await readBy(theirs, thread)).toEqual(reference);
    }
  });

  /** Every row of a thread in the saver's tables, ids left as they are. */
  const rowsOf = (threadId: string) => checkpointRowsOf(pool, SCHEMA, threadId);

  it("writes the rows LangGraph's saver writes for the same calls", async () => {
    const source = "rows-source";
    const asked = await conversation(theirs).invoke({ log: ["hi"] }, config(source));
    expect(isInterrupted(asked)).toBe(true);
    const tuples: CheckpointTuple[] = [];
    for await (const tuple of theirs.list(config(source))) tuples.push(tuple);
    expect(tuples.some((t) => (t.pendingWrites ?? []).length > 1)).toBe(true);
    await writeCheckpoints(theirs, "rows-theirs", tuples);
    await writeCheckpoints(ours, "rows-ours", tuples);
    const expected = await rowsOf("rows-theirs");
    expect(expected.blobs.length).toBeGreaterThan(0);
    expect(expected.writes.length).toBeGreaterThan(1);
    expect(await rowsOf("rows-ours")).toEqual(expected);
  });

  it("replaces a task's special writes and keeps its other writes, as LangGraph's saver does", async () => {
    for (const [saver, thread] of [
      [theirs, "writes-theirs"],
      [ours, "writes-ours"],
    ] as const) {
      const at = { configurable: { thread_id: thread, checkpoint_ns: "", checkpoint_id: "c1" } };
      await saver.putWrites(at, [["__error__", "first failure"]], "task");
      await saver.putWrites(at, [["__error__", "second failure"]], "task");
      await saver.putWrites(at, [["log", "kept"]], "task");
      await saver.putWrites(at, [["log", "dropped"]], "task");
      await saver.putWrites(
        at,
        [
          ["__interrupt__", "one"],
          ["__interrupt__", "two"],
        ],
        "other",
      );
    }
    const expected = await rowsOf("writes-theirs");
    expect(expected.writes.map((w) => [w.task_id, w.idx, w.channel])).toEqual([
      ["other", -3, "__interrupt__"],
      ["task", -1, "__error__"],
      ["task", 0, "log"],
    ]);
    const ourRows = await rowsOf("writes-ours");
    expect(ourRows).toEqual(expected);
    const blobAt = (idx: number) =>
      (ourRows.writes.find((w) => w.idx === idx)?.blob as Buffer | undefined)?.toString();
    expect(blobAt(-1)).toContain("second failure");
    expect(blobAt(0)).toContain("kept");
    expect(blobAt(-3)).toContain("two");
  });

  it("writes nothing of a put whose statement fails: no blob without its checkpoint", async () => {
    const thread = "atomic";
    const first = await conversation(ours).invoke({ log: ["hi"] }, config(thread));
    expect(isInterrupted(first)).toBe(true);
    const before = await rowsOf(thread);
    const latest = await ours.getTuple(config(thread));
    if (!latest) throw new Error("the thread has no checkpoint");
    const allow = await refuseCheckpointsOf(pool, SCHEMA, thread);
    try {
      const next = {
        ...latest.checkpoint,
        id: "1ffffffff-ffff-6fff-8fff-ffffffffffff",
        channel_values: { ...latest.checkpoint.channel_values, answer: "never stored" },
        channel_versions: { ...latest.checkpoint.channel_versions, answer: "99.new" },
      };
      for (const saver of [ours, theirs]) {
        const metadata = latest.metadata ?? { source: "update", step: 9, parents: {} };
        await expect(
          saver.put(latest.config, next, metadata, { answer: "99.new" }),
        ).rejects.toThrow(/checkpoint refused/);
      }
    } finally {
      await allow();
    }
    const after = await rowsOf(thread);
    expect(after).toEqual(before);
    expect(after.blobs.some((b) => b.version === "99.new")).toBe(false);
  });

  it("reads a checkpoint's blobs by key, not among all the blobs of its thread's history", async () => {
    const thread = "long-history";
    const State = Annotation.Root({ count: Annotation<number>(), note: Annotation<string>() });
    const counter = new StateGraph(State)
      .addNode("tally", (state) => ({ count: (state.count ?? 0) + 1, note: "counted" }))
      .addEdge(START, "tally")
      .compile({ checkpointer: ours });
    for (let i = 0; i < 25; i++) await counter.invoke({ note: `turn ${i}` }, config(thread));
    const stored = (await rowsOf(thread)).blobs.length;
    expect(stored).toBeGreaterThan(60);
    await pool.query(`ANALYZE ${SCHEMA}.checkpoint_blobs`);

    // The statement getTuple sends for the thread's latest checkpoint.
    const statements = countStoreStatements();
    let latest: CheckpointTuple | undefined;
    try {
      latest = await ours.getTuple(config(thread));
    } finally {
      statements.stop();
    }
    expect(latest?.checkpoint.channel_values).toMatchObject({ count: 25, note: "counted" });
    expect(latest).toEqual(await theirs.getTuple(config(thread)));
    expect(statements.statements).toHaveLength(1);

    // What PostgreSQL reads of the blobs table to answer it: a row per channel.
    const { rows } = await pool.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${statements.statements[0]}`,
      [thread, ""],
    );
    interface PlanNode {
      "Relation Name"?: string;
      "Actual Rows": number;
      "Actual Loops": number;
      Plans?: PlanNode[];
    }
    const blobRowsRead = (node: PlanNode): number =>
      (node["Relation Name"] === "checkpoint_blobs"
        ? node["Actual Rows"] * node["Actual Loops"]
        : 0) + (node.Plans ?? []).reduce((sum, child) => sum + blobRowsRead(child), 0);
    const plan = (rows[0] as { "QUERY PLAN": Array<{ Plan: PlanNode }> })["QUERY PLAN"][0];
    const channels = Object.keys(latest?.checkpoint.channel_versions ?? {}).length;
    expect(channels).toBeGreaterThan(0);
    expect(blobRowsRead(plan?.Plan as PlanNode)).toBeLessThanOrEqual(channels);
  });

  it("deletes a thread's checkpoints, blobs and writes, and no other thread's", async () => {
    await converse(ours, ours, "deleted");
    await converse(ours, ours, "kept");
    await ours.deleteThread("deleted");
    expect(await rowsOf("deleted")).toEqual({ checkpoints: [], blobs: [], writes: [] });
    const kept = await rowsOf("kept");
    expect(kept.checkpoints.length).toBeGreaterThan(0);
    expect(kept.blobs.length).toBeGreaterThan(0);
    expect(kept.writes.length).toBeGreaterThan(0);
  });

  it("names a thread's latest checkpoint as getTuple reads it, without reading it", async () => {
    const naming = ours as PostgresSaver & LatestCheckpointNaming;
    await converse(theirs, ours, "named-a");
    await converse(ours, ours, "named-b");
    const latest = async (id: string) =>
      (await theirs.getTuple({ configurable: { thread_id: id, checkpoint_ns: "" } }))?.checkpoint
        .id;
    const counter = countStoreStatements();
    try {
      // Alone, and three at once (one statement for the three).
      expect(await naming.latestCheckpointId("named-a")).toBe(await latest("named-a"));
      counter.reset();
      const named = await Promise.all(
        ["named-a", "named-b", "no-such-thread"].map((id) => naming.latestCheckpointId(id)),
      );
      expect(counter.statements).toHaveLength(1);
      expect(named).toEqual([await latest("named-a"), await latest("named-b"), undefined]);
      expect(named[0]).toEqual(expect.any(String));
      // Neither the checkpoint, its blobs nor its writes are read.
      expect(counter.statements[0]).not.toMatch(/checkpoint_blobs|checkpoint_writes|checkpoint,/);
    } finally {
      counter.stop();
    }
    // What the server's thread operations ask the store's checkpointer goes the same way.
    const graphState = new GraphState(ours);
    expect(await graphState.head("named-b")).toBe(await latest("named-b"));
    expect(await graphState.head("no-such-thread")).toBeUndefined();
  });
});
