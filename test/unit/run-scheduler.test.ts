import { describe, expect, it } from "vitest";
import { ThreadBusyError, ThreadNotFoundError } from "../../src/server/errors.js";
import { InProcessRuns } from "../../src/server/runs/in-process-runs.js";
import { ReplicaRuns } from "../../src/server/runs/replica-runs.js";
import type { RunExecutions } from "../../src/server/runs/run-execution.js";
import { type RunRecord, RunRecords } from "../../src/server/runs/run-record.js";
import {
  createScheduler,
  type RunScheduler,
  type RunSchedulerDeps,
  writeTarget,
} from "../../src/server/runs/run-scheduler.js";
import { DirectRunWrites, FencedRunWrites } from "../../src/server/runs/run-write-target.js";
import { RunWrites } from "../../src/server/runs/run-writes.js";
import { newThread } from "../../src/server/runs/threads.js";
import { memoryStore } from "../../src/server/stores/memory.js";
import type { ReplicaCoordination } from "../../src/server/stores/replicas.js";
import type { ServerStore, StoredEvent, StoredRun } from "../../src/server/stores/store.js";

const quiet = { warn: () => undefined };

/** A run of thread `threadId` (stateless without one), as a request creates it. */
function newRecord(records: RunRecords, runId: string, threadId?: string): RunRecord {
  return records.create({
    run_id: runId,
    ...(threadId !== undefined ? { thread_id: threadId } : {}),
    agent_id: "agent",
    creation: { agent_id: "agent", input: { n: 1 } },
    graphThreadId: threadId ?? runId,
    modes: ["values"],
  });
}

/** The executions a scheduler starts legs on, recording each start. */
function recordingExecutions() {
  const starts: Array<{ runId: string; input: unknown; previous?: Promise<void> }> = [];
  const live = new Map<string, RunRecord>();
  const executions = {
    live,
    start(
      record: RunRecord,
      _agent: unknown,
      input: unknown,
      _inserted: boolean,
      previous?: Promise<void>,
    ) {
      starts.push({ runId: record.run_id, input, ...(previous ? { previous } : {}) });
      live.set(record.run_id, record);
      return Promise.resolve();
    },
  } as unknown as RunExecutions;
  return { executions, starts, live };
}

function inProcess() {
  const store = memoryStore();
  const records = new RunRecords(store.runs, 1 << 20);
  const writes = new RunWrites(store.runs, new DirectRunWrites(store.runs), quiet);
  const { executions, starts, live } = recordingExecutions();
  const scheduler: RunScheduler = new InProcessRuns({
    writes,
    executions,
    recover: async () => undefined,
    // As the run manager's: a run that holds the thread refuses a new one that rejects.
    makeWay: async (threadId, activeId, strategy) => {
      if (activeId !== undefined && strategy === "reject") {
        throw new ThreadBusyError(threadId, activeId);
      }
      return activeId;
    },
  });
  return { store, records, scheduler, starts, live };
}

const agent = {} as never;

describe("the in-process scheduler", () => {
  it("stores a new run and starts it here from its input", async () => {
    const { store, records, scheduler, starts } = inProcess();
    const record = newRecord(records, "run-1");
    await scheduler.enqueue(record);
    expect(scheduler.launch(record, agent)).toBe(record);
    expect((await store.runs.get("run-1"))?.status).toBe("pending");
    expect(starts).toEqual([{ runId: "run-1", input: { n: 1 } }]);
  });

  it("claims the thread of a thread run, and starts the runs of a thread one after another", async () => {
    const { store, records, scheduler, starts } = inProcess();
    await store.threads.create(newThread("t"));
    const first = newRecord(records, "run-1", "t");
    await scheduler.enqueueOnThread(first, "reject");
    expect((await store.threads.get("t"))?.busy_run_id).toBe("run-1");
    scheduler.launch(first, agent);
    const second = newRecord(records, "run-2", "t");
    await scheduler.enqueueOnThread(second, "enqueue");
    scheduler.launch(second, agent);
    expect(starts[0]?.previous).toBeUndefined();
    expect(starts[1]?.previous).toBeInstanceOf(Promise);
    // A deleted thread keeps no order: a run on a new thread of that id waits for nothing.
    scheduler.forgetThread("t");
    await store.threads.release("t", "run-2");
    const third = newRecord(records, "run-3", "t");
    await scheduler.enqueueOnThread(third, "reject");
    scheduler.launch(third, agent);
    expect(starts[2]?.previous).toBeUndefined();
  });

  it("refuses a thread run whose thread another run holds, and stores nothing of it", async () => {
    const { store, records, scheduler } = inProcess();
    await store.threads.create(newThread("t"));
    await store.threads.claim("t", "other");
    const record = newRecord(records, "run-1", "t");
    await expect(scheduler.enqueueOnThread(record, "reject")).rejects.toMatchObject({
      constructor: ThreadBusyError,
      message: expect.stringContaining("other"),
    });
    expect(await store.runs.get("run-1")).toBeUndefined();
  });

  it("refuses a thread run on a thread that is not stored, and stores nothing of it", async () => {
    const { store, records, scheduler } = inProcess();
    const record = newRecord(records, "run-1", "missing");
    await expect(scheduler.enqueueOnThread(record, "reject")).rejects.toBeInstanceOf(
      ThreadNotFoundError,
    );
    expect(await store.runs.get("run-1")).toBeUndefined();
  });

  it("finds a thread's holder among the runs executing here, and follows nothing elsewhere", async () => {
    const { records, scheduler, live } = inProcess();
    const record = newRecord(records, "run-1");
    live.set("run-1", record);
    expect(await scheduler.holder("run-1")).toEqual({ record, ended: false });
    expect(await scheduler.holder("run-2")).toEqual({ ended: false });
    expect(await scheduler.cancelElsewhere(record, "interrupt")).toBe(false);
    expect(scheduler.follow(record)).toBe(record);
    expect(scheduler.known("run-1")).toBeUndefined();
  });
});

/** A coordination that records the fenced writes and owns the runs up to attempt `owned`. */
function recordingCoordination(owned: number) {
  const calls: string[] = [];
  const coordination = {
    async updateOwned(run: StoredRun, attempt: number, release: boolean) {
      calls.push(`update ${run.run_id} ${attempt} ${release}`);
      return attempt <= owned;
    },
    async appendOwned(runId: string, events: readonly StoredEvent[], attempt: number) {
      calls.push(`append ${runId} ${events.length} ${attempt}`);
      return attempt <= owned;
    },
    async handOver(run: StoredRun, attempt: number) {
      calls.push(`handOver ${run.run_id} ${attempt}`);
      return true;
    },
  } as unknown as ReplicaCoordination;
  return { coordination, calls };
}

describe("the write targets", () => {
  it("fence the writes of an execution claimed from the replicas' queue by its attempt", async () => {
    const store = memoryStore();
    const records = new RunRecords(store.runs, 1 << 20);
    const run = newRecord(records, "run-1");
    const { coordination, calls } = recordingCoordination(2);
    const target = new FencedRunWrites(coordination, store.runs);
    const event: StoredEvent = { id: 1, data: { type: "custom", run_id: "run-1" } as never };
    expect(await target.update(run, [], 2, false)).toBe(true);
    expect(await target.update(run, [], 3, true)).toBe(false);
    expect(await target.append("run-1", [event], 3)).toBe(false);
    await target.handOver(run, 2);
    expect(calls).toEqual([
      "update run-1 2 false",
      "update run-1 3 true",
      "append run-1 1 3",
      "handOver run-1 2",
    ]);
  });

  it("write straight to the store without an attempt, whether replicas share it or not", async () => {
    const store = memoryStore();
    const records = new RunRecords(store.runs, 1 << 20);
    const run = newRecord(records, "run-1");
    await store.runs.insert(run);
    const { coordination, calls } = recordingCoordination(0);
    for (const target of [
      new FencedRunWrites(coordination, store.runs),
      new DirectRunWrites(store.runs),
    ]) {
      expect(await target.update({ ...run, status: "success" }, [], undefined, true)).toEqual({
        pushConfigs: false,
      });
      expect((await store.runs.get("run-1"))?.status).toBe("success");
    }
    expect(calls).toEqual([]);
  });
});

describe("the scheduler a store calls for", () => {
  it("is in-process on a store one process owns, and replicated on one replicas share", () => {
    const store = memoryStore();
    const { coordination } = recordingCoordination(0);
    const shared = { runs: store.runs, threads: store.threads, replicas: coordination };
    const { executions } = recordingExecutions();
    const deps = { executions, logger: quiet } as unknown as RunSchedulerDeps;
    expect(createScheduler({ ...deps, store })).toBeInstanceOf(InProcessRuns);
    expect(createScheduler({ ...deps, store: shared as ServerStore })).toBeInstanceOf(ReplicaRuns);
    expect(writeTarget(store)).toBeInstanceOf(DirectRunWrites);
    expect(writeTarget(shared as ServerStore)).toBeInstanceOf(FencedRunWrites);
  });
});
