/**
 * The runs of one remote agent, stateless or on one thread, behind one set of calls,
 * so the node's logic does not care which kind it drives.
 */
import { NotFoundException, ServiceException } from "../core/errors.js";
import type { ACPClient, RejoinIds, RequestOptions, RunEventStream } from "../index.js";
import type {
  ResumePayloadSchema,
  Run,
  RunCreateStateful,
  RunCreateStateless,
  RunOutput,
  RunStateful,
  RunStateless,
} from "../models/index.js";
import { TASK_TAG_KEY } from "./task-identity.js";

/** What a new run is created with; the agent id and thread are added here. */
export type NewRun = Omit<RunCreateStateless, "agent_id">;

const PAGE = 100;

/** Calls on the runs of `agentId`: stateless when `threadId` is undefined. */
export class RemoteRuns {
  constructor(
    private readonly client: ACPClient,
    readonly agentId: string,
    readonly threadId: string | undefined,
    private readonly headers: Record<string, string> | undefined,
    /** How the server numbers a re-joined stream's events (see `RejoinIds`). */
    private readonly rejoinIds?: RejoinIds,
    /** The thread's runs as just read, newest first, so the first search need not read them again. */
    private listed?: RunStateful[],
  ) {}

  private options(signal?: AbortSignal): RequestOptions {
    return { signal, headers: this.headers, rejoinIds: this.rejoinIds };
  }

  private stateful(body: NewRun): RunCreateStateful {
    return { ...body, agent_id: this.agentId, if_not_exists: "create" };
  }

  /**
   * The runs created with `tag` in their metadata (see `TASK_TAG_KEY`). The tag is
   * checked here too, since a server may filter metadata loosely (the Python
   * reference server compares the thread's metadata, not the run's), and a server
   * whose metadata search fails (that same server's answers 500 once the agent has a
   * run) is searched page by page without it.
   */
  async find(tag: string, signal?: AbortSignal): Promise<Run[]> {
    const options = this.options(signal);
    const tagged = (run: RunStateless | RunStateful) =>
      run.creation.metadata?.[TASK_TAG_KEY] === tag;
    if (this.threadId === undefined) {
      const search = { agent_id: this.agentId, limit: PAGE };
      try {
        const found = await this.client.searchStatelessRuns(
          { ...search, metadata: { [TASK_TAG_KEY]: tag } },
          options,
        );
        return found.filter(tagged);
      } catch (err) {
        if (!(err instanceof ServiceException)) throw err;
      }
      const found: Run[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await this.client.searchStatelessRuns({ ...search, offset }, options);
        found.push(...page.filter(tagged));
        if (page.length < PAGE) return found;
      }
    }
    const listed = this.listed;
    this.listed = undefined;
    return (listed ?? (await this.all(signal)) ?? []).filter(tagged);
  }

  /** Every run on the thread, newest first; undefined when the thread does not exist. */
  async all(signal?: AbortSignal): Promise<RunStateful[] | undefined> {
    if (this.threadId === undefined) return undefined;
    const options = this.options(signal);
    const found: RunStateful[] = [];
    for (let offset = 0; ; offset += PAGE) {
      let page: Awaited<ReturnType<ACPClient["listThreadRuns"]>>;
      try {
        page = await this.client.listThreadRuns(this.threadId, PAGE, offset, options);
      } catch (err) {
        if (err instanceof NotFoundException) return undefined;
        throw err;
      }
      found.push(...page);
      if (page.length < PAGE) break;
    }
    return found.sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  /**
   * Creates a run and waits for its first stop, in one request. Should the answer be
   * lost, the run is found again by its tag; an aborted request cancels the run, as
   * the protocol's default `on_disconnect` says.
   */
  async createAndWait(
    body: NewRun,
    signal?: AbortSignal,
  ): Promise<{ run?: Run; output: RunOutput }> {
    const options = this.options(signal);
    const answer =
      this.threadId === undefined
        ? await this.client.createAndWaitForStatelessRunOutput(
            { ...body, agent_id: this.agentId },
            options,
          )
        : await this.client.createAndWaitForThreadRunOutput(
            this.threadId,
            this.stateful(body),
            options,
          );
    return { run: answer.run, output: answer.output ?? noOutput(answer.run?.run_id) };
  }

  /** Creates a run and streams its events. */
  createAndStream(body: NewRun, signal?: AbortSignal): RunEventStream {
    const options = this.options(signal);
    if (this.threadId === undefined) {
      return this.client.createAndStreamStatelessRunOutput(
        { ...body, agent_id: this.agentId },
        options,
      );
    }
    return this.client.createAndStreamThreadRunOutput(this.threadId, this.stateful(body), options);
  }

  /** Joins a run's stream, after `lastEventId` when known. */
  join(runId: string, lastEventId: string | undefined, signal?: AbortSignal): RunEventStream {
    const options = { ...this.options(signal), lastEventId };
    if (this.threadId === undefined) return this.client.streamStatelessRunOutput(runId, options);
    return this.client.streamThreadRunOutput(this.threadId, runId, options);
  }

  /** The run as the server has it now. */
  get(runId: string, signal?: AbortSignal): Promise<Run> {
    const options = this.options(signal);
    if (this.threadId === undefined) return this.client.getStatelessRun(runId, options);
    return this.client.getThreadRun(this.threadId, runId, options);
  }

  /** Sends the answer to the interrupt the run waits at. */
  resume(runId: string, answer: ResumePayloadSchema, signal?: AbortSignal): Promise<Run> {
    const options = this.options(signal);
    if (this.threadId === undefined) {
      return this.client.resumeStatelessRun(runId, answer, options);
    }
    return this.client.resumeThreadRun(this.threadId, runId, answer, options);
  }

  /** Waits until the run stops being pending and returns what it produced. */
  async wait(runId: string, signal?: AbortSignal): Promise<RunOutput> {
    const options = this.options(signal);
    const answer =
      this.threadId === undefined
        ? await this.client.waitForStatelessRunOutput(runId, options)
        : await this.client.waitForThreadRunOutput(this.threadId, runId, options);
    return answer.output ?? noOutput(runId);
  }

  /** Stops a run; the request is not tied to any caller's signal, so it goes out after an abort. */
  cancel(runId: string): Promise<void> {
    const options = this.options();
    if (this.threadId === undefined) {
      return this.client.cancelStatelessRun(runId, undefined, "interrupt", options);
    }
    return this.client.cancelThreadRun(this.threadId, runId, undefined, "interrupt", options);
  }
}

/** What stands for the output of a run the server reported none for. */
function noOutput(runId: string | undefined): RunOutput {
  return {
    type: "error",
    run_id: runId ?? "",
    errcode: 500,
    description: `the server reported no output for run ${runId ?? "(unnamed)"}`,
  };
}
