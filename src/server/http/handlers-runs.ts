import type {
  RunStateful,
  RunStateless,
  RunWaitResponseStateful,
  RunWaitResponseStateless,
} from "../../models/index.js";
import { InvalidRequestError } from "../errors.js";
import type { RunRecord } from "../runs/run-record.js";
import { toWireRun } from "../runs/run-record.js";
import type { RunManager } from "../runs/runs.js";
import type { ThreadService } from "../runs/threads.js";
import type { StoredRun } from "../stores/store.js";
import type { OutputShaper } from "./interrupt-shape.js";
import type { Handlers, IdForm } from "./router.js";
import { streamRun } from "./sse.js";

/** What the run handlers need. */
export interface RunHandlerDeps {
  runs: RunManager;
  threads: ThreadService;
  /** Told of each stream's end. */
  track: (ended: Promise<void>) => void;
  keepAliveMs: number;
  /** The shape of the interrupt payloads in wait answers. */
  shapeOutput: OutputShaper;
  /** What an agent id must look like to name an agent (as in a path). */
  agentIdForm: IdForm;
}

type RunHandlers = Pick<
  Handlers,
  | "createStatelessRun"
  | "searchStatelessRuns"
  | "createAndStreamStatelessRunOutput"
  | "createAndWaitForStatelessRunOutput"
  | "waitForStatelessRunOutput"
  | "getStatelessRun"
  | "resumeStatelessRun"
  | "deleteStatelessRun"
  | "streamStatelessRunOutput"
  | "cancelStatelessRun"
  | "listThreadRuns"
  | "createThreadRun"
  | "createAndStreamThreadRunOutput"
  | "createAndWaitForThreadRunOutput"
  | "waitForThreadRunOutput"
  | "getThreadRun"
  | "resumeThreadRun"
  | "deleteThreadRun"
  | "streamThreadRunOutput"
  | "cancelThreadRun"
>;

const stateless = (r: StoredRun) => toWireRun(r) as RunStateless;
const stateful = (r: StoredRun) => toWireRun(r) as RunStateful;

/** The `Last-Event-ID` a client resumes from; without one, only new events are sent. */
function lastEventId(header: string | undefined, record: RunRecord): number {
  if (header === undefined) return record.events.size;
  if (!/^\d{1,15}$/.test(header.trim())) {
    throw new InvalidRequestError(
      "Last-Event-ID must be the id of an event of this run (a counter: 1, 2, ...)",
      "Last-Event-ID",
    );
  }
  return Number(header.trim());
}

/** The path of a run: `/runs/{run_id}`, or `/threads/{thread_id}/runs/{run_id}`. */
function runLocation(record: RunRecord): string {
  const run = `/runs/${encodeURIComponent(record.run_id)}`;
  return record.thread_id === undefined
    ? run
    : `/threads/${encodeURIComponent(record.thread_id)}${run}`;
}

/** The handlers of the Stateless Runs and Thread Runs operations. */
export function runHandlers({
  runs,
  threads,
  keepAliveMs,
  track,
  shapeOutput,
  agentIdForm,
}: RunHandlerDeps): RunHandlers {
  const serverOpen = () => !runs.closed;
  /**
   * The client of a run it created went away: the run is cancelled unless its
   * `on_disconnect` says continue. A connection the closing server cut is not that.
   */
  const clientGone = async (record: RunRecord) => {
    if (runs.closed || record.creation.on_disconnect === "continue") return;
    await runs.cancel(record, false, "interrupt");
  };

  /** Waits for a run; a client that leaves cancels it unless `on_disconnect` says continue. */
  const waitFor = async (record: RunRecord, signal: AbortSignal, created: boolean) => {
    await runs.wait(record, signal);
    if (signal.aborted && created) await clientGone(record);
    const output = record.output && shapeOutput(record.agent_id, record.output);
    const answer: { run: RunStateless | RunStateful; output?: typeof output } = {
      run: toWireRun(record),
    };
    if (output) answer.output = output;
    return answer;
  };
  // The same wait, typed for each kind of run (no wrapper: a wait is on every run's path).
  const waitStateless = waitFor as (
    record: RunRecord,
    signal: AbortSignal,
    created: boolean,
  ) => Promise<RunWaitResponseStateless>;
  const waitStateful = waitFor as (
    record: RunRecord,
    signal: AbortSignal,
    created: boolean,
  ) => Promise<RunWaitResponseStateful>;

  /**
   * Streams a run just created. `Content-Location` names the run, so a client
   * whose connection drops before the first event can still join its stream.
   */
  const streamNew = (c: Parameters<typeof streamRun>[0], record: RunRecord) => {
    c.header("Content-Location", runLocation(record));
    return streamRun(c, record, {
      afterId: 0,
      keepAliveMs,
      serverOpen,
      track,
      onDisconnect: () => void clientGone(record),
    });
  };

  /** Joins a run's stream; without `Last-Event-ID`, at the events stored from now on. */
  const join = async (c: Parameters<typeof streamRun>[0], record: RunRecord) =>
    streamRun(c, record, {
      afterId: lastEventId(c.req.header("last-event-id"), await runs.caughtUp(record)),
      keepAliveMs,
      serverOpen,
      track,
    });

  return {
    createStatelessRun: async ({ body }) => stateless(await runs.createStateless(body, false)),
    searchStatelessRuns: async ({ body }) => {
      // Checked as a path's agent id is: the store is never asked for a malformed one.
      if (body.agent_id !== undefined && !agentIdForm.test(body.agent_id)) {
        throw new InvalidRequestError(`agent_id is not ${agentIdForm.expected}`, "agent_id");
      }
      return (await runs.search(body)).map(stateless);
    },
    createAndStreamStatelessRunOutput: async ({ body, context }) =>
      streamNew(context, await runs.createStateless(body, true)),
    createAndWaitForStatelessRunOutput: async ({ body, signal }) =>
      waitStateless(await runs.createStateless(body, false), signal, true),
    waitForStatelessRunOutput: async ({ path, signal }) =>
      waitStateless(await runs.getStateless(path.run_id), signal, false),
    getStatelessRun: async ({ path }) => stateless(await runs.getStateless(path.run_id)),
    resumeStatelessRun: async ({ path, body }) =>
      stateless(await runs.resume(await runs.getStateless(path.run_id), body)),
    deleteStatelessRun: async ({ path }) => {
      await runs.delete(await runs.getStateless(path.run_id));
      return undefined;
    },
    streamStatelessRunOutput: async ({ path, context }) =>
      join(context, await runs.getStateless(path.run_id)),
    cancelStatelessRun: async ({ path, query }) => {
      const record = await runs.getStateless(path.run_id);
      await runs.cancel(record, query.wait ?? false, query.action ?? "interrupt");
      return undefined;
    },

    listThreadRuns: async ({ path, query }) => {
      await threads.record(path.thread_id);
      const found = await runs.listThreadRuns(path.thread_id, query.limit ?? 10, query.offset ?? 0);
      return found.map(stateful);
    },
    createThreadRun: async ({ path, body }) =>
      stateful(await runs.createStateful(path.thread_id, body, false)),
    createAndStreamThreadRunOutput: async ({ path, body, context }) =>
      streamNew(context, await runs.createStateful(path.thread_id, body, true)),
    createAndWaitForThreadRunOutput: async ({ path, body, signal }) =>
      waitStateful(await runs.createStateful(path.thread_id, body, false), signal, true),
    waitForThreadRunOutput: async ({ path, signal }) =>
      waitStateful(await runs.getThreadRun(path.thread_id, path.run_id), signal, false),
    getThreadRun: async ({ path }) =>
      stateful(await runs.getThreadRun(path.thread_id, path.run_id)),
    resumeThreadRun: async ({ path, body }) =>
      stateful(await runs.resume(await runs.getThreadRun(path.thread_id, path.run_id), body)),
    deleteThreadRun: async ({ path }) => {
      await runs.delete(await runs.getThreadRun(path.thread_id, path.run_id));
      return undefined;
    },
    streamThreadRunOutput: async ({ path, context }) =>
      join(context, await runs.getThreadRun(path.thread_id, path.run_id)),
    cancelThreadRun: async ({ path, query }) => {
      const record = await runs.getThreadRun(path.thread_id, path.run_id);
      await runs.cancel(record, query.wait ?? false, query.action ?? "interrupt");
      return undefined;
    },
  };
}
