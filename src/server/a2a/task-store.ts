/**
 * The SDK's task store over the server's runs. A task is a run, so the store has
 * nothing of its own to keep: `save` writes nothing (the run manager records every
 * change of the run), `load` reads the run (the record of the request's own run, or the
 * run found by id), `list` searches the runs.
 */
import type { ListTasksRequest, ListTasksResponse, Task } from "@a2a-js/sdk";
import { TaskState } from "@a2a-js/sdk";
import { RequestMalformedError } from "@a2a-js/sdk/errors";
import type { ServerCallContext, TaskStore } from "@a2a-js/sdk/server";
import type { RunStatus } from "../../models/index.js";
import { isThreadId } from "../runs/threads.js";
import type { RunSearch, RunStore } from "../stores/store.js";
import type { AgentRuns } from "./agent-runs.js";
import { requestRunOf } from "./executor.js";
import { CONTEXT_METADATA_KEY, toTask } from "./task-view.js";

/** How many runs a list reads from the store at a time. */
const BATCH = 100;
/** The most runs one list reads: a list of every task of a busy agent stops there. */
const MAX_SCANNED = 10_000;
/** The page size when the request names none (the SDK checks the bounds, 1 to 100). */
const DEFAULT_PAGE_SIZE = 50;

/** The run status a task state is always in, to narrow the store's search. */
const statusOfState: Partial<Record<TaskState, RunStatus>> = {
  [TaskState.TASK_STATE_WORKING]: "pending",
  [TaskState.TASK_STATE_COMPLETED]: "success",
  [TaskState.TASK_STATE_INPUT_REQUIRED]: "interrupted",
  [TaskState.TASK_STATE_CANCELED]: "error",
};

/** The states a run can be in; a list filtered by another one is empty. */
const runStates = new Set<TaskState>([
  ...(Object.keys(statusOfState).map(Number) as TaskState[]),
  TaskState.TASK_STATE_FAILED,
]);

/** The offset a page token stands for: the tokens are offsets this store handed out. */
function offsetOf(pageToken: string): number {
  if (pageToken === "") return 0;
  if (!/^\d{1,9}$/.test(pageToken)) {
    throw new RequestMalformedError("pageToken is not a token this agent handed out");
  }
  return Number(pageToken);
}

/** The tasks of one agent, read from its runs. */
export class RunTaskStore implements TaskStore {
  constructor(
    private readonly agentRuns: AgentRuns,
    private readonly store: RunStore,
    /** True when the agent's contexts are threads; else stateless runs keep theirs. */
    private readonly threads: boolean,
  ) {}

  /**
   * The task of a run of this agent. The SDK reads it at each event of the request that
   * started or resumed the run: that run's record is the task then, without a read of
   * the store.
   */
  async load(taskId: string, context?: ServerCallContext): Promise<Task | undefined> {
    const record = requestRunOf(context, taskId) ?? (await this.agentRuns.find(taskId));
    return record ? toTask(record) : undefined;
  }

  /** Nothing to write: the run manager stores the run at each change. */
  async save(): Promise<void> {}

  /**
   * The agent's tasks matching the request, most recently updated first. Runs are
   * searched in the store (by thread, or the context kept in a stateless run's
   * metadata, and by status where a state has one), at most {@link MAX_SCANNED}.
   */
  async list(params: ListTasksRequest): Promise<ListTasksResponse> {
    const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
    const offset = offsetOf(params.pageToken ?? "");
    const state = params.status ?? TaskState.TASK_STATE_UNSPECIFIED;
    const after = params.statusTimestampAfter ? Date.parse(params.statusTimestampAfter) : undefined;
    const filtered = state !== TaskState.TASK_STATE_UNSPECIFIED;
    const query = this.query(params.contextId ?? "", filtered ? statusOfState[state] : undefined);
    const empty = { tasks: [], nextPageToken: "", pageSize, totalSize: 0 };
    if (!query || (filtered && !runStates.has(state))) return empty;
    const tasks: Task[] = [];
    for (let scanned = 0; scanned < MAX_SCANNED; scanned += BATCH) {
      const runs = await this.store.search({ ...query, limit: BATCH, offset: scanned });
      for (const run of runs) {
        const task = toTask(run);
        if (filtered && task.status?.state !== state) continue;
        if (after !== undefined && Date.parse(task.status?.timestamp ?? "") < after) continue;
        if (!params.includeArtifacts) task.artifacts = [];
        tasks.push(task);
      }
      if (runs.length < BATCH) break;
    }
    tasks.sort(
      (a, b) =>
        (b.status?.timestamp ?? "").localeCompare(a.status?.timestamp ?? "") ||
        b.id.localeCompare(a.id),
    );
    const page = tasks.slice(offset, offset + pageSize);
    const next = offset + page.length;
    return {
      tasks: page,
      nextPageToken: next < tasks.length ? String(next) : "",
      pageSize,
      totalSize: tasks.length,
    };
  }

  /** The store search for a context, or undefined when the context names nothing. */
  private query(
    contextId: string,
    status: RunStatus | undefined,
  ): Omit<RunSearch, "limit"> | undefined {
    const base = { agentId: this.agentRuns.agentId, ...(status ? { status } : {}) };
    if (contextId === "") return base;
    if (this.threads) return isThreadId(contextId) ? { ...base, threadId: contextId } : undefined;
    return { ...base, threadId: null, metadata: { [CONTEXT_METADATA_KEY]: contextId } };
  }
}
