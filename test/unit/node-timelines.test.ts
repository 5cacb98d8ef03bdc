/**
 * How ACPNode tells a new line of the parent's history from the same one, on a parent
 * history kept in a small checkpointer of the test's own (only `getTuple` is asked), and
 * which run a fork keeps. Over HTTP: test/integration/acp-node-fork.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  CHECKPOINT_KEY,
  nodeThread,
  ParentLineage,
  type ThreadCalls,
} from "../../src/langgraph/node-timelines.js";
import { TASK_TAG_KEY } from "../../src/langgraph/task-identity.js";
import type { RunStateful } from "../../src/models/index.js";

/** A parent history: each checkpoint with its parent and how it was made. */
type History = Record<string, { parent?: string; source: string }>;

function lineage(history: History, current: string, reads: string[] = []): ParentLineage {
  const saver = {
    getTuple: async ({ configurable }: { configurable: Record<string, unknown> }) => {
      reads.push(configurable.checkpoint_id as string);
      const step = history[configurable.checkpoint_id as string];
      if (step === undefined) return undefined;
      return {
        parentConfig: step.parent ? { configurable: { checkpoint_id: step.parent } } : undefined,
        metadata: { source: step.source },
      };
    },
  };
  const found = ParentLineage.of({
    configurable: {
      thread_id: "parent",
      checkpoint_ns: "remote:task",
      checkpoint_map: { "": current },
      __pregel_checkpointer: saver,
    },
  });
  if (!found) throw new Error("no lineage");
  return found;
}

/** c1 … c4 the first line; x3, x4 a fork from c2 made by an update (ids sort by time). */
const forked: History = {
  c1: { source: "input" },
  c2: { parent: "c1", source: "loop" },
  c3: { parent: "c2", source: "loop" },
  c4: { parent: "c3", source: "loop" },
  x3: { parent: "c2", source: "update" },
  x4: { parent: "x3", source: "loop" },
};

function run(id: string, checkpoint: string | undefined, extra: Record<string, unknown> = {}) {
  return {
    run_id: id,
    agent_id: "agent",
    thread_id: "root",
    created_at: `2026-12-05T00:00:0${id.slice(-1)}Z`,
    updated_at: `2026-12-05T00:00:0${id.slice(-1)}Z`,
    status: "success",
    creation: { metadata: { ...(checkpoint ? { [CHECKPOINT_KEY]: checkpoint } : {}), ...extra } },
  } as RunStateful;
}

/** Thread calls on fixed runs, recording the forks asked for and the run each keeps. */
function calls(runsByThread: Record<string, RunStateful[]>) {
  const forks: Array<{ threadId: string; at: string; kept: string | undefined }> = [];
  const threadCalls: ThreadCalls = {
    runsOf: async (threadId) => runsByThread[threadId],
    forkOf: async (threadId, at, kept) => {
      forks.push({ threadId, at, kept: (await kept())?.run_id });
      return `${threadId}>${at}`;
    },
  };
  return { forks, threadCalls };
}

describe("ParentLineage.meet", () => {
  it("finds an ancestor walking the current line alone, with the line down to it", async () => {
    const meeting = await lineage(forked, "c4").meet("c2");
    expect(meeting).toEqual({ common: "c2", line: ["c4", "c3"], otherLine: [] });
  });

  it("finds where a fork left a line, with both lines down to it", async () => {
    const meeting = await lineage(forked, "x4").meet("c4");
    expect(meeting).toEqual({ common: "c2", line: ["x4", "x3"], otherLine: ["c4", "c3"] });
  });

  it("finds it whatever order the checkpointer's ids sort in", async () => {
    const history: History = {
      z: { source: "input" },
      m: { parent: "z", source: "loop" },
      a: { parent: "m", source: "loop" },
      q: { parent: "z", source: "update" },
    };
    expect((await lineage(history, "q").meet("a"))?.common).toBe("z");
    expect((await lineage(history, "a").meet("z"))?.common).toBe("z");
  });

  it("says so when two lines share no checkpoint", async () => {
    const history: History = { a: { source: "input" }, b: { source: "input" } };
    expect((await lineage(history, "a").meet("b"))?.common).toBeUndefined();
  });
});

describe("nodeThread", () => {
  it("stays on the thread while its last call is on the current line", async () => {
    const { forks, threadCalls } = calls({ root: [run("r2", "c3"), run("r1", "c1")] });
    const found = await nodeThread("root", "tag", lineage(forked, "c4"), threadCalls);
    expect(found.threadId).toBe("root");
    expect(forks).toEqual([]);
  });

  it("reads only the parent's checkpoints made since the last call to stay on the thread", async () => {
    const { threadCalls } = calls({ root: [run("r2", "c3"), run("r1", "c1")] });
    const reads: string[] = [];
    const found = await nodeThread("root", "tag", lineage(forked, "c4", reads), threadCalls);
    expect(found.threadId).toBe("root");
    expect(reads).toEqual(["c4"]);
  });

  it("stays on the thread that holds a run of the task itself", async () => {
    const runs = [run("r2", "c4", { [TASK_TAG_KEY]: "tag" }), run("r1", "c1")];
    const { forks, threadCalls } = calls({ root: runs });
    expect((await nodeThread("root", "tag", lineage(forked, "x4"), threadCalls)).threadId).toBe(
      "root",
    );
    expect(forks).toEqual([]);
  });

  it("stays on the thread when the parent does not have the recorded checkpoint", async () => {
    const { forks, threadCalls } = calls({ root: [run("r1", "gone")] });
    expect((await nodeThread("root", "tag", lineage(forked, "x4"), threadCalls)).threadId).toBe(
      "root",
    );
    expect(forks).toEqual([]);
  });

  it("goes to the fork's thread, keeping the calls before the fork point", async () => {
    // Calls at c1, c2 and c3; the fork's update replaced what the step at c2 wrote.
    const runs = [run("r3", "c3"), run("r2", "c2"), run("r1", "c1")];
    const { forks, threadCalls } = calls({ root: runs, "root>c2": [] });
    const found = await nodeThread("root", "tag", lineage(forked, "x4"), threadCalls);
    expect(found.threadId).toBe("root>c2");
    expect(forks).toEqual([{ threadId: "root", at: "c2", kept: "r1" }]);
  });

  it("keeps the call at the fork point when the new line went on from its step", async () => {
    // A replay: LangGraph's own checkpoint after c2 on the new line, not an update.
    const replayed: History = { ...forked, x3: { parent: "c2", source: "loop" } };
    const runs = [run("r3", "c3"), run("r2", "c2"), run("r1", "c1")];
    const { forks, threadCalls } = calls({ root: runs, "root>c2": [] });
    await nodeThread("root", "tag", lineage(replayed, "x4"), threadCalls);
    expect(forks).toEqual([{ threadId: "root", at: "c2", kept: "r2" }]);
  });

  it("calls a line that went on from an update over the last call's step a fork too", async () => {
    // The last call was at c2, and the current line has an update over c2's step.
    const { forks, threadCalls } = calls({ root: [run("r2", "c2"), run("r1", "c1")] });
    const found = await nodeThread("root", "tag", lineage(forked, "x4"), threadCalls);
    expect(found.threadId).toBe("root>c2");
    expect(forks).toEqual([{ threadId: "root", at: "c2", kept: "r1" }]);
  });
});
