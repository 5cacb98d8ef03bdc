/**
 * The echo agent every server benchmark serves: one node that answers `echo: <text>`,
 * with no threads, interrupts or callbacks, so a run costs what the server adds.
 */
import { Annotation, type BaseCheckpointSaver, END, START, StateGraph } from "@langchain/langgraph";
import type { ACPAgentOptions } from "../../src/server/index.js";

const State = Annotation.Root({ text: Annotation<string>, reply: Annotation<string> });

/** A fresh compiled echo graph, on `checkpointer` when given. */
export function echoGraph(checkpointer?: BaseCheckpointSaver) {
  return new StateGraph(State)
    .addNode("echo", (state: typeof State.State) => ({ reply: `echo: ${state.text}` }))
    .addEdge(START, "echo")
    .addEdge("echo", END)
    .compile(checkpointer ? { checkpointer } : {});
}

/**
 * The echo graph as an agent of `serveACP`, with the id `echo`; with `threads`, it
 * declares threads, so that thread runs (stateful) can be served too; with `streaming`,
 * it declares the `values` stream mode, so that its runs can be streamed.
 */
export function echoAgent(
  options: { threads?: boolean; streaming?: boolean } = {},
): ACPAgentOptions {
  return {
    graph: echoGraph(),
    agentId: "echo",
    descriptor: {
      metadata: { ref: { name: "bench.echo", version: "1.0.0" }, description: "echoes" },
      specs: {
        capabilities: {
          threads: options.threads ?? false,
          interrupts: false,
          callbacks: false,
          ...(options.streaming ? { streaming: { values: true } } : {}),
        },
        input: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
        output: { type: "object" },
        config: { type: "object" },
      },
    },
  };
}
