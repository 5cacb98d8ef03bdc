/**
 * The remote thread of a node kept across calls (`threadScope: "node"`) when the parent's
 * history forks.
 *
 * Every run such a node creates records, in its metadata, the parent checkpoint its task
 * started from. A remote thread is thus only ever used by one line of the parent's
 * history: before a call, the node reads its thread's latest recorded checkpoint and
 * walks the parent's checkpoints back from the task's own. When that checkpoint is the
 * task's or one of its ancestors, the call continues the same timeline. Otherwise the
 * parent forked (a replay or an update from an earlier checkpoint), and the call goes to
 * the fork's thread, which the thread names in its metadata under the newest checkpoint
 * both lines share, so every later call of the fork finds it again. A new fork's thread
 * is a copy of the thread set back to where the last call the fork keeps ended, so the
 * agent remembers what came before the fork and nothing after it; a fresh thread when
 * the fork keeps no call or the server cannot copy. The same walk, one thread down,
 * sorts out forks of forks.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { RunStateful } from "../models/index.js";
import { TASK_TAG_KEY } from "./task-identity.js";

/** The run metadata key under which a node-scoped run records its task's parent checkpoint. */
export const CHECKPOINT_KEY = "acp_node_checkpoint";
/** The thread metadata key prefix under which a thread names its fork at a parent checkpoint. */
export const FORK_KEY_PREFIX = "acp_node_fork:";

/** What the node needs of the parent's checkpointer (any LangGraph checkpointer has it). */
interface CheckpointReader {
  getTuple(config: {
    configurable: Record<string, unknown>;
  }): Promise<
    | { parentConfig?: { configurable?: Record<string, unknown> }; metadata?: { source?: unknown } }
    | undefined
  >;
}

/** One of the parent's checkpoints: its parent and how it was made (`loop`, `update`...). */
interface Step {
  parent: string | undefined;
  source: string | undefined;
}

/** The parent graph's checkpoints, read back from the one the task started from. */
export class ParentLineage {
  readonly #steps = new Map<string, Promise<Step | undefined>>();

  private constructor(
    private readonly saver: CheckpointReader,
    private readonly threadId: string,
    /** The root graph's checkpoint the task's step started from. */
    readonly current: string,
  ) {}

  /**
   * The lineage of the task LangGraph runs with `config`, or undefined when the parent
   * keeps no checkpoints of its steps (no checkpointer, no thread, or `durability: "exit"`).
   */
  static of(config: LangGraphRunnableConfig): ParentLineage | undefined {
    if ((config as { durability?: unknown }).durability === "exit") return undefined;
    const configurable = config.configurable ?? {};
    const saver: unknown = configurable.__pregel_checkpointer;
    const threadId: unknown = configurable.thread_id;
    const map: unknown = configurable.checkpoint_map;
    if (typeof threadId !== "string") return undefined;
    if (typeof saver !== "object" || saver === null || !("getTuple" in saver)) return undefined;
    if (typeof map !== "object" || map === null) return undefined;
    // The root graph's checkpoint, also for a node in a subgraph: a subgraph's checkpoints
    // are in a namespace of its task, new each time it runs, so only the root's history
    // shows a fork of the whole parent.
    const current: unknown = (map as Record<string, unknown>)[""];
    if (typeof current !== "string") return undefined;
    return new ParentLineage(saver as CheckpointReader, threadId, current);
  }

  /**
   * Whether the checkpoint the task started from is saved, waiting up to `waitMs` for it:
   * LangGraph saves a step's checkpoint while the step's tasks already run.
   */
  async saved(waitMs: number): Promise<boolean> {
    const deadline = performance.now() + waitMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      this.#steps.delete(this.current);
      if ((await this.step(this.current)) !== undefined) return true;
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** A checkpoint's parent and source; undefined when the checkpointer no longer has it. */
  step(id: string): Promise<Step | undefined> {
    let step = this.#steps.get(id);
    if (step === undefined) {
      step = this.saver
        .getTuple({
          configurable: {
            thread_id: this.threadId,
            checkpoint_ns: "",
            checkpoint_id: id,
          },
        })
        .then((tuple) => {
          if (tuple === undefined) return undefined;
          const parent = tuple.parentConfig?.configurable?.checkpoint_id;
          const source = tuple.metadata?.source;
          return {
            parent: typeof parent === "string" ? parent : undefined,
            source: typeof source === "string" ? source : undefined,
          };
        });
      this.#steps.set(id, step);
    }
    return step;
  }

  /**
   * The newest checkpoint that both the current one and `other` are or descend from, with
   * each one's line down to it (newest first, the common one excluded). The two lines are
   * walked back in turn, so the walk is as long as the longer way to the meeting point,
   * whatever the checkpointer's ids look like. Undefined when the checkpointer does not
   * have `other` (a new checkpointer, or one that dropped old checkpoints).
   */
  async meet(other: string): Promise<Meeting | undefined> {
    // The usual case first: `other` is an ancestor, found walking back from the current
    // checkpoint alone through the ones made after it (LangGraph's ids sort by time).
    const newer: string[] = [];
    let at: string | undefined = this.current;
    while (at !== undefined && at > other) {
      newer.push(at);
      at = (await this.step(at))?.parent;
    }
    if (at === other) return { common: other, line: newer, otherLine: [] };
    if ((await this.step(other)) === undefined) return undefined;
    const mine: string[] = [];
    const theirs: string[] = [];
    let a: string | undefined = this.current;
    let b: string | undefined = other;
    const found = (common: string): Meeting => ({
      common,
      line: mine.slice(0, mine.indexOf(common)),
      otherLine: theirs.slice(0, theirs.indexOf(common)),
    });
    while (a !== undefined || b !== undefined) {
      if (a !== undefined) {
        mine.push(a);
        if (theirs.includes(a)) return found(a);
        a = (await this.step(a))?.parent;
      }
      if (b !== undefined) {
        theirs.push(b);
        if (mine.includes(b)) return found(b);
        b = (await this.step(b))?.parent;
      }
    }
    return { common: undefined, line: mine, otherLine: theirs };
  }
}

/** Where two lines of the parent's history meet (see {@link ParentLineage.meet}). */
export interface Meeting {
  /** The newest checkpoint on both lines; undefined when they share none. */
  common: string | undefined;
  /** The current checkpoint's line down to `common`, newest first, `common` excluded. */
  line: string[];
  /** The other checkpoint's line likewise. */
  otherLine: string[];
}

/** What the walk asks of the remote server, on the agent's threads. */
export interface ThreadCalls {
  /** The runs on a thread, newest first; undefined when the thread does not exist. */
  runsOf(threadId: string): Promise<RunStateful[] | undefined>;
  /**
   * The thread of the fork of `threadId` at parent checkpoint `at` (`""` when the lines
   * share none): the one `threadId` names, or a new one made from the last run the fork
   * keeps (`kept` finds it), which `threadId` then names.
   */
  forkOf(
    threadId: string,
    at: string,
    kept: () => Promise<RunStateful | undefined>,
  ): Promise<string>;
}

/** The thread an execution runs on, and its runs as read on the way (newest first). */
export interface NodeThread {
  threadId: string;
  runs: RunStateful[] | undefined;
}

const recorded = (run: RunStateful): string | undefined => {
  const value = run.creation.metadata?.[CHECKPOINT_KEY];
  return typeof value === "string" ? value : undefined;
};

/**
 * The remote thread a node-scoped execution runs on, starting from the node's first
 * thread `root` (see the file comment). `tag` is the task's tag: a thread already holding
 * a run of this very task is the one to go on with, whatever happened since.
 */
export async function nodeThread(
  root: string,
  tag: string | undefined,
  lineage: ParentLineage,
  calls: ThreadCalls,
): Promise<NodeThread> {
  let threadId = root;
  let runs = await calls.runsOf(threadId);
  for (;;) {
    if (runs === undefined || runs.length === 0) return { threadId, runs };
    if (tag !== undefined && runs.some((run) => run.creation.metadata?.[TASK_TAG_KEY] === tag)) {
      return { threadId, runs };
    }
    const latest = runs.find((run) => recorded(run) !== undefined);
    // A thread with no recorded checkpoint was used before calls recorded one: kept as is.
    if (latest === undefined) return { threadId, runs };
    const meeting = await lineage.meet(recorded(latest) as string);
    // A checkpoint the parent does not have (a new checkpointer, or one that dropped old
    // checkpoints) is no sign of a fork: a fork leaves the abandoned line in the history.
    if (meeting === undefined) return { threadId, runs };
    const { common, line } = meeting;
    // The thread's last call is on this line when the line went on from its step: the
    // checkpoint after it is the step's own, not an update made over it.
    const after = line.at(-1);
    if (
      common === recorded(latest) &&
      (after === undefined || (await lineage.step(after))?.source === "loop")
    ) {
      return { threadId, runs };
    }
    const listed = runs;
    const fork = await calls.forkOf(threadId, common ?? "", () =>
      lastKept(listed, meeting, lineage),
    );
    runs = await calls.runsOf(fork);
    threadId = fork;
  }
}

/**
 * The newest finished run of the thread that the fork keeps: one whose task started
 * from the common checkpoint or before it, and whose step the fork's line went through
 * (the checkpoint after it on that line is the step's own, `loop`, not an update made
 * over it). Undefined when the fork keeps no call.
 */
async function lastKept(
  runs: RunStateful[],
  { common, line, otherLine }: Meeting,
  lineage: ParentLineage,
): Promise<RunStateful | undefined> {
  if (common === undefined) return undefined;
  // The calls the fork left behind are the other line's, after the common checkpoint.
  const abandoned = new Set(otherLine);
  // The shared line from the common checkpoint down, each with the source of the one after it.
  const after = new Map<string, string | undefined>();
  let child = line.at(-1);
  let at: string | undefined = common;
  const sourceOf = async (id: string | undefined) =>
    id === undefined ? undefined : (await lineage.step(id))?.source;
  const reach = async (target: string): Promise<boolean> => {
    while (at !== undefined && !after.has(target)) {
      after.set(at, await sourceOf(child));
      child = at;
      at = (await lineage.step(at))?.parent;
    }
    return after.has(target);
  };
  for (const run of runs) {
    const checkpoint = recorded(run);
    if (checkpoint === undefined || abandoned.has(checkpoint) || run.status !== "success") {
      continue;
    }
    if (!(await reach(checkpoint))) continue;
    if (after.get(checkpoint) === "loop") return run;
  }
  return undefined;
}
