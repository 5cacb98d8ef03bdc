/**
 * Reading a graph's stream as a run's leg does: straight off the graph's generator
 * where `graph.stream` would only wrap it.
 *
 * `Pregel.stream` turns the graph's `_streamIterator` generator into web streams: core's
 * `Runnable.stream` wraps it in a `ReadableStream` whose every read runs in a LangChain
 * context of its own and races the run's signal, and LangGraph wraps that in a second,
 * abortable `ReadableStream`, with an `AbortController` of its own combined with the
 * run's signal. A leg reads each chunk once, in order, and stops the graph through its
 * signal, which the graph's loop races its tasks with: it needs none of it. For a small
 * graph that is a good part of what a run costs (bench/RESULTS.md, benchmark 11).
 *
 * The generator is read directly only where that changes nothing else: the graph's
 * `stream` is `Pregel`'s own (not overridden or wrapped), and no LangChain context is
 * ambient (a graph run from inside another graph's node takes its configurable from
 * there, which `Pregel.stream` does). Otherwise the graph is streamed as usual. A
 * traced run's callbacks are in the options either way: the generator reports the
 * graph's run to them as `Pregel.stream` does (it starts and ends the run itself).
 */
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { ensureConfig } from "@langchain/core/runnables";
import { getConfig, type StreamMode } from "@langchain/langgraph";
import { Pregel } from "@langchain/langgraph/pregel";
import type { ServableGraph } from "../options.js";

/** The options of a leg's `graph.stream`. */
export interface LegStreamOptions {
  configurable: Record<string, unknown>;
  streamMode: StreamMode[];
  signal: AbortSignal;
  tags?: string[];
  recursionLimit?: number;
  subgraphs?: boolean;
  /** Handlers the graph's run is reported to as well (a traced run's). */
  callbacks?: BaseCallbackHandler[];
}

/** A chunk of `graph.stream`: `[mode, payload]`, or `[namespace, mode, payload]` with `subgraphs`. */
export type StreamChunk = [string, unknown] | [string[], string, unknown];

/** `Pregel`'s own `stream`, to tell a graph that streams as it does. */
const pregelStream = Pregel.prototype.stream;

/** The chunks of `graph` run on `input`, as `graph.stream(input, options)` streams them. */
export async function streamGraph(
  graph: ServableGraph,
  input: unknown,
  options: LegStreamOptions,
): Promise<AsyncIterable<StreamChunk>> {
  if (graph.stream !== pregelStream || getConfig() !== undefined) {
    return (await graph.stream(input, options)) as AsyncIterable<StreamChunk>;
  }
  // The config `Pregel.stream` hands its generator: the graph's recursion limit unless
  // the run set one, then LangChain's defaults.
  const config = ensureConfig({ recursionLimit: graph.config?.recursionLimit, ...options });
  return graph._streamIterator(input, config) as AsyncIterable<StreamChunk>;
}
