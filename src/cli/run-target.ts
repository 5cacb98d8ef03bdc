/**
 * The calls a run makes, stateless or on a thread: one shape for both, so the
 * run command does not care which it drives.
 */
import type { ACPClient, RunEventStream } from "../index.js";
import type { RunCreateStateless, RunOutput } from "../models/runs.js";

/** What waiting for a run gives back. */
export interface WaitOutcome {
  runId: string | undefined;
  output: RunOutput | undefined;
}

/** The operations a run goes through. */
export interface RunTarget {
  stream(body: RunCreateStateless): RunEventStream;
  join(runId: string, lastEventId: string | undefined): RunEventStream;
  wait(body: RunCreateStateless): Promise<WaitOutcome>;
  waitFor(runId: string): Promise<WaitOutcome>;
  resume(runId: string, value: unknown): Promise<void>;
}

const outcome = (r: { run?: { run_id: string }; output?: RunOutput }): WaitOutcome => ({
  runId: r.run?.run_id,
  output: r.output,
});

type Resumable = Parameters<ACPClient["resumeStatelessRun"]>[1];

/** Runs without a thread. */
export function statelessTarget(client: ACPClient): RunTarget {
  return {
    stream: (body) => client.createAndStreamStatelessRunOutput(body),
    join: (runId, lastEventId) =>
      client.streamStatelessRunOutput(runId, lastEventId ? { lastEventId } : {}),
    wait: async (body) => outcome(await client.createAndWaitForStatelessRunOutput(body)),
    waitFor: async (runId) => outcome(await client.waitForStatelessRunOutput(runId)),
    resume: async (runId, value) => {
      await client.resumeStatelessRun(runId, value as Resumable);
    },
  };
}

/** Runs on thread `threadId`, created when it does not exist yet. */
export function threadTarget(client: ACPClient, threadId: string): RunTarget {
  const stateful = (body: RunCreateStateless) => {
    const { on_completion: _, ...rest } = body;
    return { ...rest, if_not_exists: "create" as const };
  };
  return {
    stream: (body) => client.createAndStreamThreadRunOutput(threadId, stateful(body)),
    join: (runId, lastEventId) =>
      client.streamThreadRunOutput(threadId, runId, lastEventId ? { lastEventId } : {}),
    wait: async (body) =>
      outcome(await client.createAndWaitForThreadRunOutput(threadId, stateful(body))),
    waitFor: async (runId) => outcome(await client.waitForThreadRunOutput(threadId, runId)),
    resume: async (runId, value) => {
      await client.resumeThreadRun(threadId, runId, value as Resumable);
    },
  };
}
