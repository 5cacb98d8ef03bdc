/**
 * One execution of an ACPNode: find or start the remote run, follow it, turn each remote
 * interrupt into a LangGraph interrupt of the parent graph, and forward the answers.
 *
 * How a resume finds the same remote run, also after the parent process restarted:
 * every run the node creates carries, in its metadata, a tag made of the parent's
 * thread id and the task's checkpoint namespace (which holds the task id). LangGraph
 * re-runs an interrupted node as the same task, derived from the persisted checkpoint,
 * so the re-run computes the same tag and finds the run with a search on the server;
 * nothing that correctness depends on is kept in process memory. The answers LangGraph
 * replays to the re-run by order are matched to the remote run by count (see
 * `task-answers.ts`): the ones recorded before this execution were already sent, so only
 * the next one is. A run found failed before any answer was sent is left behind, so a
 * node run again after a remote failure starts afresh; a finished one is reused.
 *
 * Known limit: if the parent process dies after an answer reached the remote run but
 * before the parent recorded the run's next interrupt, the answer is sent again.
 */
import { GraphInterrupt, type Interrupt, interrupt, isGraphInterrupt } from "@langchain/langgraph";
import { ACPRunException, UnprocessableEntityException } from "../core/errors.js";
import {
  interruptAnswers,
  type PendingInterrupt,
  pendingInterruptsOf,
} from "../core/langgraph-interrupts.js";
import { messageOf } from "../core/message-of.js";
import type { RunEventStream } from "../index.js";
import type {
  ResumePayloadSchema,
  Run,
  RunOutput,
  RunOutputStream,
  StreamingMode,
} from "../models/index.js";
import { NodeStateError } from "./node-errors.js";
import type { NewRun, RemoteRuns } from "./remote-runs.js";
import type { RemoteStreamForwarder } from "./remote-stream.js";
import { TASK_TAG_KEY } from "./task-identity.js";

/** What one execution needs to know. */
export interface RunDriverOptions {
  node: string;
  runs: RemoteRuns;
  /** The tag of this parent task, when the parent can be resumed; see the file comment. */
  tag: string | undefined;
  /** The stream modes to create runs with; empty means wait instead of stream. */
  modes: StreamingMode[];
  /** Whether the modes go into the run's `stream_mode`; else the server streams the agent's own. */
  sendModes: boolean;
  /** The payload a remote interrupt's value carries (see `interrupt-payload.ts`). */
  interruptPayload: (value: unknown) => Promise<unknown>;
  /** How many interrupts of this task LangGraph answered in earlier executions. */
  answersGiven: number;
  /** The answers by interrupt id the parent was resumed with, if it was (see `task-answers.ts`). */
  resumeMap: Record<string, unknown> | undefined;
  signal: AbortSignal | undefined;
  /** Hands the remote events to the parent graph's streams. */
  stream: RemoteStreamForwarder;
  /**
   * The last event id seen per remote run, so a resumed run's stream is joined right
   * after it. Only a convenience within one process: after a restart the stream is
   * joined without it and may miss events sent before the join (never the result).
   */
  lastEventIds: Map<string, string>;
  /**
   * The runs this process created, by task tag, and whether they failed: a retry or a
   * resume of the task goes on from there without searching the server for them. A
   * restarted process has none and searches.
   */
  createdRuns: Map<string, CreatedRun>;
  /** Dot path of the node's input, named when the agent refuses the run's input. */
  inputPath: string;
}

/** A run a node created for one task (see {@link RunDriverOptions.createdRuns}). */
export interface CreatedRun {
  runId: string;
  failed: boolean;
}

const LIVE_STATUSES = new Set<Run["status"]>(["pending", "interrupted", "success"]);

/** Drives the remote run of one node execution to its result. */
export class RunDriver {
  private runId: string | undefined;
  private skip: number;
  /** The interrupts of this task the parent answered so far, recorded ones included. */
  private answered: number;
  private readonly ownTag: string;
  /**
   * The parent's signal seen through a signal of this execution's own: every request
   * and listener of the execution hangs on it, so parallel branches (a `Send` fan-out)
   * do not pile listeners on the one signal they share, which Node warns about.
   */
  private readonly signal: AbortSignal | undefined;

  constructor(private readonly options: RunDriverOptions) {
    this.skip = options.answersGiven;
    this.answered = options.answersGiven;
    this.ownTag = options.tag ?? crypto.randomUUID();
    this.signal = options.signal && AbortSignal.any([options.signal]);
  }

  /** The remote run's result values; throws `ACPRunException` when it failed. */
  async execute(body: NewRun): Promise<unknown> {
    const onAbort = () => void this.cancelRemote();
    this.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      let output = (await this.recover()) ?? (await this.start(body));
      for (;;) {
        if (output.type === "result") {
          this.forget();
          if (this.options.tag !== undefined) this.options.createdRuns.delete(this.options.tag);
          return output.values;
        }
        if (output.type === "error") {
          this.forget();
          this.remember(true);
          throw new ACPRunException(output.description, output.errcode, output.run_id);
        }
        const pending = pendingInterruptsOf(output) ?? [];
        const answer =
          pending.length > 1
            ? await this.askAll(pending)
            : this.ask(await this.options.interruptPayload(output.interrupt));
        output = await this.resume(answer);
      }
    } finally {
      this.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The output of this task's run from an earlier execution, if there is one to go on with. */
  private async recover(): Promise<RunOutput | undefined> {
    if (this.options.tag === undefined) return undefined;
    // A run this process created for the task is asked after by its id, not searched for.
    const created = this.options.createdRuns.get(this.options.tag);
    if (created?.failed && this.skip === 0) return undefined;
    const runs = created
      ? [await this.options.runs.get(created.runId, this.signal)]
      : (await this.options.runs.find(this.options.tag, this.signal)).sort((a, b) =>
          b.created_at.localeCompare(a.created_at),
        );
    // Once answers were sent, only the run that got them will do, whatever its state;
    // before that, a failed run is left behind (see below).
    const found = this.skip > 0 ? runs[0] : runs.find((run) => LIVE_STATUSES.has(run.status));
    if (!found) {
      if (this.skip > 0) {
        throw new ACPRunException(
          `the remote run that node "${this.options.node}" was resuming is no longer on the server`,
        );
      }
      return undefined;
    }
    this.runId = found.run_id;
    const output =
      found.status === "pending"
        ? await this.follow()
        : await this.options.runs.wait(found.run_id, this.signal);
    // A run that failed or was cancelled before any answer was sent is not resumed: a
    // retry of the node starts a new one.
    if (output.type === "error" && this.skip === 0) {
      this.runId = undefined;
      return undefined;
    }
    return output;
  }

  /** Starts this task's run; an agent that refuses the input (422) is a `NodeStateError`. */
  private async start(body: NewRun): Promise<RunOutput> {
    try {
      return await this.create(body);
    } catch (err) {
      throw this.refusal(err, "input", this.options.inputPath);
    } finally {
      this.remember(false);
    }
  }

  private async create(body: NewRun): Promise<RunOutput> {
    const create: NewRun = {
      ...body,
      metadata: { ...(body.metadata ?? {}), [TASK_TAG_KEY]: this.ownTag },
    };
    if (this.options.modes.length > 0) {
      const streamed = this.options.sendModes
        ? { ...create, stream_mode: this.options.modes }
        : create;
      return this.consume(this.options.runs.createAndStream(streamed, this.signal));
    }
    const { run, output } = await this.options.runs.createAndWait(create, this.signal);
    this.runId = run?.run_id;
    return output;
  }

  private async resume(answer: ResumePayloadSchema): Promise<RunOutput> {
    try {
      await this.options.runs.resume(this.requireRunId(), answer, this.signal);
    } catch (err) {
      throw this.refusal(err, "resume", "Command.resume");
    }
    return this.follow();
  }

  /**
   * A refusal of what the node sent (422: the agent's input, config or an answer that
   * does not fit) as a `NodeStateError`, which no retry policy retries, since sending
   * the same again cannot succeed; any other error as it is.
   */
  private refusal(err: unknown, role: "input" | "resume", path: string): unknown {
    if (!(err instanceof UnprocessableEntityException)) return err;
    return new NodeStateError(
      this.options.node,
      role,
      path,
      `was refused by agent ${this.options.runs.agentId}: ${err.message}`,
      { cause: err },
    );
  }

  /** Records the run this execution created, so a retry or resume need not search. */
  private remember(failed: boolean): void {
    if (this.options.tag === undefined || this.runId === undefined) return;
    this.options.createdRuns.set(this.options.tag, { runId: this.runId, failed });
  }

  /** Follows a pending run to its next stop: through its stream, or by waiting. */
  private follow(): Promise<RunOutput> {
    const runId = this.requireRunId();
    if (this.options.modes.length === 0) return this.options.runs.wait(runId, this.signal);
    const after = this.options.lastEventIds.get(runId);
    return this.consume(this.options.runs.join(runId, after, this.signal));
  }

  /**
   * Forwards a stream's events to the parent and returns where the run stopped: the
   * stream's result or error, else the run's wait answer.
   *
   * A streamed interrupt is never taken as it is: the run's wait answer, which
   * comes at once since the stream ended with the run stopped, says what the run
   * really waits on. The Python reference server labels each stream event by the
   * run's status when the event is read, so an update read after the run was
   * interrupted comes as an `interrupt` event carrying that update, and the real
   * interrupt is never streamed at all. No event tells such a server apart, nor can
   * the payload schema: an update may fit it (see the interop tests). One request
   * per interrupt, beside a human's answer, is cheap; a server that streams its
   * interrupts faithfully gives the same payload again.
   */
  private async consume(stream: RunEventStream): Promise<RunOutput> {
    let stop: RunOutput | undefined;
    for await (const event of stream) {
      this.runId ??= stream.runId;
      if (this.runId !== undefined) this.options.lastEventIds.set(this.runId, event.id);
      await this.options.stream.forward(event);
      stop = stopOf(event.data) ?? stop;
    }
    await this.options.stream.end();
    this.runId ??= stream.runId ?? (await this.findOwnRun());
    if (stop && stop.type !== "interrupt") return stop;
    return this.options.runs.wait(this.requireRunId(), this.signal);
  }

  /**
   * Asks the parent graph for the answer to a remote interrupt. The answers LangGraph
   * recorded before this execution were already sent to the remote run; they are taken
   * off first so this interrupt gets its own.
   */
  private ask(payload: unknown): ResumePayloadSchema {
    try {
      for (; this.skip > 0; this.skip -= 1) interrupt(payload);
      const answer = interrupt(payload) as ResumePayloadSchema;
      this.answered += 1;
      return answer;
    } catch (err) {
      if (isGraphInterrupt(err)) throw err;
      void this.cancelRemote();
      const reason = messageOf(err);
      throw new ACPRunException(
        `the remote agent of node "${this.options.node}" asks for input, but the parent graph cannot pause: ${reason}`,
        undefined,
        this.runId,
      );
    }
  }

  /**
   * Asks the parent for the answers to every interrupt the remote run waits at, and
   * makes them one resume by interrupt id. The parent sees each remote interrupt as an
   * interrupt of its own: the first one is this task's own `interrupt()`, the others
   * are raised beside it under ids derived from this task, its round of questions and
   * the remote interrupt's id (so the same again when the node runs again). LangGraph
   * hands the task the answer to its first; the others are read from the answers by
   * id the parent was resumed with. An interrupt left unanswered is asked again when
   * the remote run stops at it again.
   */
  private async askAll(pending: PendingInterrupt[]): Promise<ResumePayloadSchema> {
    const payloads = await Promise.all(pending.map((p) => this.options.interruptPayload(p.value)));
    const [head, ...rest] = pending as [PendingInterrupt, ...PendingInterrupt[]];
    const round = this.answered;
    const ids = await Promise.all(rest.map((p) => otherInterruptId(this.ownTag, round, p.id)));
    let first: unknown;
    try {
      first = this.ask(payloads[0]);
    } catch (err) {
      if (isGraphInterrupt(err) && err.interrupts.length === 1) {
        throw new GraphInterrupt([
          err.interrupts[0] as Interrupt,
          ...ids.map((id, k) => ({ id, value: payloads[k + 1] })),
        ]);
      }
      throw err;
    }
    const given = this.options.resumeMap ?? {};
    const answers: Record<string, unknown> = { [head.id]: first };
    rest.forEach((p, k) => {
      const id = ids[k] as string;
      if (Object.hasOwn(given, id)) answers[p.id] = given[id];
    });
    return interruptAnswers(answers) as unknown as ResumePayloadSchema;
  }

  private async findOwnRun(): Promise<string | undefined> {
    const runs = await this.options.runs.find(this.ownTag).catch(() => []);
    return runs[0]?.run_id;
  }

  /** Stops the remote run after the parent aborted; best effort, never throws. */
  private async cancelRemote(): Promise<void> {
    const runId = this.runId ?? (await this.findOwnRun());
    if (runId !== undefined) await this.options.runs.cancel(runId).catch(() => undefined);
  }

  private forget(): void {
    if (this.runId !== undefined) this.options.lastEventIds.delete(this.runId);
  }

  private requireRunId(): string {
    if (this.runId === undefined) {
      throw new ACPRunException(
        `node "${this.options.node}": the server did not say which run it started for agent ${this.options.runs.agentId}`,
      );
    }
    return this.runId;
  }
}

/** Where a streamed event says the run stopped, if it does. */
function stopOf(data: RunOutputStream["data"]): RunOutput | undefined {
  switch (data.type) {
    case "interrupt":
      return { type: "interrupt", interrupt: data.interrupt };
    case "error":
      return {
        type: "error",
        run_id: data.run_id,
        errcode: data.errcode,
        description: data.description,
      };
    case "values":
      return data.status === "success"
        ? {
            type: "result",
            values: data.values,
            ...(data.messages ? { messages: data.messages } : {}),
          }
        : undefined;
    default:
      return undefined;
  }
}

/**
 * The parent's id of a remote interrupt raised beside a task's own: 32 hex digits, the
 * form LangGraph takes for the keys of a resume by id, from a hash of the task's tag,
 * the round of questions and the remote interrupt's id.
 */
async function otherInterruptId(tag: string, round: number, remoteId: string): Promise<string> {
  const text = JSON.stringify(["acp-node-interrupt", tag, round, remoteId]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)]
    .slice(0, 16)
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}
