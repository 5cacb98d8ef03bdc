import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { StreamMode } from "@langchain/langgraph";
import { isRecord } from "../../core/json-guards.js";
import { LANGGRAPH_STREAM_KEY, type LangGraphStreamMode } from "../../core/langgraph-stream.js";
import type { OutputSchema, RunOutput, RunStatus } from "../../models/index.js";
import { StoreUnavailableError } from "../errors.js";
import type { ServableGraph } from "../options.js";
import type { RunEventData } from "../stores/store.js";
import { type LegStreamOptions, streamGraph } from "./graph-stream.js";
import { pendingInterrupts } from "./interrupts.js";
import { langGraphUpdate } from "./langgraph-events.js";
import type { RunErrorReporter } from "./run-errors.js";
import type { RunRecord } from "./run-record.js";
import { toWire } from "./wire.js";

/** How one leg of a run ended: the run's next status and output. */
export interface LegOutcome {
  status: Exclude<RunStatus, "pending">;
  output: RunOutput;
  /**
   * The event that ends the leg on the run's stream (its last values, its interrupt,
   * its error), not in the run's log yet: it is shown only once the end is stored with
   * it, so that no stream shows an end that was not stored.
   */
  event?: RunEventData;
  /**
   * Set when the leg stopped but the run has not ended and goes on: handed over to
   * another replica as this one shuts down (`handover`), taken over because this
   * replica lost its connection to the database (`lost`), or stopped by the database
   * being away (`unavailable`).
   */
  goesOn?: "handover" | "lost" | "unavailable";
  /**
   * The id of the thread's latest checkpoint as the leg left it (`""` for none), when
   * the leg read its state at the end: the run's end records it without reading again.
   */
  head?: string;
}

/**
 * The graph a leg executes, whether it has a checkpointer to read its state from, the
 * LangGraph stream modes the run asked for (none unless its agent streams them), and the
 * callbacks its tracing adds to the graph's run (none when it is not traced).
 */
export interface LegGraph {
  graph: ServableGraph;
  checkpointed: boolean;
  langGraphModes?: readonly LangGraphStreamMode[];
  callbacks?: BaseCallbackHandler[];
}

/**
 * Why a leg was stopped from outside: a cancel, the run's timeout, the server shutting
 * down (the run ends), a replica shutting down that hands the run over, or one that
 * lost its database connection and with it the run (it goes on elsewhere).
 */
export type StopReason = "cancel" | "timeout" | "shutdown" | "handover" | "lost";

/** A wire value the spec accepts where an agent-defined value goes (never null). */
const asValue = (v: unknown) => (v ?? {}) as OutputSchema;

/**
 * The `configurable` a leg runs with: the client's, without LangGraph's internal
 * (`__`-prefixed) keys, which it must not set, and without the server's ask for
 * LangGraph stream modes; and the graph thread the run's checkpoints go to.
 */
function graphConfigurable(given: unknown, threadId: string): Record<string, unknown> {
  const configurable: Record<string, unknown> = {};
  if (isRecord(given)) {
    for (const key of Object.keys(given)) {
      if (!key.startsWith("__") && key !== LANGGRAPH_STREAM_KEY) configurable[key] = given[key];
    }
  }
  configurable.thread_id = threadId;
  return configurable;
}

/** The stream modes of a run that asks for nothing but its values: most runs (never changed). */
const VALUES_ONLY: StreamMode[] = ["values"];

/**
 * The LangGraph stream modes a leg reads: values always; custom updates, tokens and
 * updates cost a little per node, and each is streamed only when asked for.
 */
function streamModesOf(
  wantCustom: boolean,
  langGraphModes: readonly LangGraphStreamMode[],
): StreamMode[] {
  if (!wantCustom && langGraphModes.length === 0) return VALUES_ONLY;
  return ["values", ...(wantCustom ? (["custom"] as const) : []), ...langGraphModes];
}

/** The namespace of the agent's own graph. */
const ROOT: readonly string[] = [];

/**
 * Runs the graph once, from an input or a resume `Command`, to its end or its next
 * interrupt, recording stream events on the way. A run is one leg, plus one per resume.
 *
 * Values events are held back by one: only when the next event arrives is a values
 * event known not to be the last, so the final one can carry status `success`.
 *
 * LangGraph's `messages` and `updates` modes are streamed only when the run asked for
 * them, with the subgraphs' events, as custom events in the `LangGraphStreamUpdate`
 * envelope, whatever the run's `stream_mode` (asking for them is asking for those
 * custom events). The run's own values and custom events stay as they are without
 * the ask: values of the agent's graph only, custom events of every subgraph.
 *
 * A leg that stops at interrupts reports the first one's value as the spec's
 * `interrupt`, and every one of them, with its id, in `interrupts`.
 */
export async function executeLeg(
  record: RunRecord,
  { graph, checkpointed, langGraphModes = [], callbacks = [] }: LegGraph,
  input: unknown,
  signal: AbortSignal,
  stopReason: () => StopReason | undefined,
  errors: RunErrorReporter,
): Promise<LegOutcome> {
  const runId = record.run_id;
  const wantValues = record.modes.includes("values");
  const wantCustom = record.modes.includes("custom");
  let held: { values: OutputSchema } | undefined;
  let last: { values: OutputSchema } | undefined;
  const flush = (status: RunStatus) => {
    if (held && wantValues) {
      record.events.append({ type: "values", run_id: runId, status, values: held.values });
    }
    held = undefined;
  };
  // Set once the agent's graph streamed an interrupt: only then is its state read for them.
  let interrupted = false;
  try {
    const config = record.creation.config;
    // Built field by field, with nothing copied that the run did not set: every leg does this.
    const options: LegStreamOptions = {
      configurable: graphConfigurable(config?.configurable, record.graphThreadId),
      streamMode: streamModesOf(wantCustom, langGraphModes),
      signal,
    };
    if (config?.tags) options.tags = config.tags;
    if (config?.recursion_limit) options.recursionLimit = config.recursion_limit;
    if (langGraphModes.length > 0) options.subgraphs = true;
    if (callbacks.length > 0) options.callbacks = callbacks;
    for await (const chunk of await streamGraph(graph, input, options)) {
      // Read in place: this runs for every event of every run.
      const nested = chunk.length === 3;
      const namespace = nested ? chunk[0] : ROOT;
      const mode = nested ? chunk[1] : chunk[0];
      const payload = nested ? chunk[2] : chunk[1];
      if (mode === "values") {
        if (namespace.length > 0) continue;
        if (isRecord(payload) && "__interrupt__" in payload) {
          interrupted = true;
          continue;
        }
        flush("pending");
        held = { values: asValue(toWire(payload)) };
        last = held;
      } else if (mode === "custom") {
        flush("pending");
        if (wantCustom) {
          const update = toWire(payload);
          record.events.append({
            type: "custom",
            run_id: runId,
            status: "pending",
            update: isRecord(update) ? update : { value: update },
          });
        }
      } else if (mode === "messages" || mode === "updates") {
        const update = langGraphUpdate(mode, namespace, payload);
        if (update) {
          flush("pending");
          record.events.append({ type: "custom", run_id: runId, status: "pending", update });
        }
      }
    }
    // Without a checkpointer there is no state to read, and no interrupt to stop at. A
    // graph that stops at interrupts streams them (each task's, in `__interrupt__`): one
    // that streamed none waits at none, and its state is not read. Its state tells which
    // of them still wait, with their ids, in its tasks' order.
    const state =
      checkpointed && (interrupted || last === undefined)
        ? await graph.getState({ configurable: { thread_id: record.graphThreadId } })
        : undefined;
    const head = state ? { head: checkpointIdOf(state.config) } : {};
    const pending = pendingInterrupts(state);
    const first = pending[0];
    if (first) {
      flush("pending");
      const payload = asValue(first.value);
      const output = { type: "interrupt", interrupt: payload, interrupts: pending } as RunOutput;
      const event: RunEventData = {
        type: "interrupt",
        run_id: runId,
        status: "interrupted",
        interrupt: payload,
        interrupts: pending,
      };
      return { status: "interrupted", output, event, ...head };
    }
    const values = last?.values ?? asValue(toWire(state?.values));
    const output: RunOutput = { type: "result", values };
    // The last values (held back until now) end the stream with status success.
    if (!wantValues) return { status: "success", output, ...head };
    return {
      status: "success",
      output,
      ...head,
      event: { type: "values", run_id: runId, status: "success", values },
    };
  } catch (err) {
    flush("pending");
    const stop = stopReason();
    if (!stop && isStoreAway(err)) {
      return {
        ...errorOutcome("error", runId, 503, "the store is unavailable"),
        goesOn: "unavailable",
      };
    }
    return failedOutcome(runId, stop ? undefined : errors.describe(runId, err), stop);
  }
}

/** The checkpoint id a state's config points at; `""` when it points at none. */
function checkpointIdOf(config: { configurable?: Record<string, unknown> } | undefined): string {
  const id = config?.configurable?.checkpoint_id;
  return typeof id === "string" ? id : "";
}

/**
 * True when a graph failed because the store (its checkpointer) could not be reached:
 * the run did not fail, the database was away. A graph may wrap what its checkpointer
 * threw; the causes are looked through.
 */
export function isStoreAway(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof StoreUnavailableError) return true;
  }
  return false;
}

/**
 * The outcome of a leg that was stopped for `stop`, or else threw an error described so.
 *
 * A cancelled run (and one stopped by the server shutting down) ends in status
 * `error` with a `RunError` output, errcode 499 (503 for a shutdown). The spec pairs
 * status `interrupted` with an interrupt output that waits for a resume, so a client
 * written against the spec alone reads `interrupted` as "answer the agent's question";
 * a cancelled run asks nothing and cannot be resumed. `error` with its `RunError` is
 * read right by every client: the Python reference `ACPNode` raises `ACPRunException`,
 * ours `ACPRunException` with errcode 499, and the errcode tells cancel from failure.
 */
export function failedOutcome(
  runId: string,
  description: string | undefined,
  stop: StopReason | undefined,
): LegOutcome {
  if (stop === "timeout") {
    return withEvent(
      errorOutcome("timeout", runId, 504, "the run took longer than the server allows"),
    );
  }
  if (stop === "cancel")
    return withEvent(errorOutcome("error", runId, 499, "the run was cancelled"));
  if (stop === "shutdown") {
    return withEvent(
      errorOutcome("error", runId, 503, "the server shut down while the run was executing"),
    );
  }
  if (stop === "handover") {
    const outcome = errorOutcome("error", runId, 503, "the run is handed over to another replica");
    return { ...outcome, goesOn: "handover" };
  }
  if (stop === "lost") {
    const outcome = errorOutcome("error", runId, 503, "the run is taken over by another replica");
    return { ...outcome, goesOn: "lost" };
  }
  return withEvent(errorOutcome("error", runId, 500, description || "the agent failed"));
}

/** An outcome that ends a run in `status` with a `RunError` of `errcode`. */
export function errorOutcome(
  status: LegOutcome["status"],
  runId: string,
  errcode: number,
  description: string,
): LegOutcome {
  return { status, output: { type: "error", run_id: runId, errcode, description } };
}

/** The outcome with its error as the event that ends the stream. */
export function withEvent(outcome: LegOutcome): LegOutcome {
  if (outcome.output.type !== "error") return outcome;
  return { ...outcome, event: { ...outcome.output, status: outcome.status } };
}
