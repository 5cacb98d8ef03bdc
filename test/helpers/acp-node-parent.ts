/**
 * A parent graph around one ACPNode, as the ACPNode tests and the token benchmark
 * build it: the node, named `remote`, sends the parent's `job.input` and writes the
 * remote output to `job.output`.
 */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { ACPNode, type ACPNodeOptions } from "../../src/langgraph/acp-node.js";

/** The parent's state: the job the remote node is given and fills in. */
export const JobState = Annotation.Root({
  job: Annotation<{ input?: unknown; output?: unknown }>,
});

/** What the remote node is built from, beside its name and paths (which `options` may replace). */
export type RemoteJobOptions = Pick<ACPNodeOptions, "agentId"> & Partial<ACPNodeOptions>;

/** A parent graph whose one node is an ACPNode from `job.input` to `job.output`. */
export function remoteJobGraph(options: RemoteJobOptions, checkpointer?: BaseCheckpointSaver) {
  const node = new ACPNode({
    name: "remote",
    inputPath: "job.input",
    outputPath: "job.output",
    ...options,
  });
  return new StateGraph(JobState)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile(checkpointer ? { checkpointer } : {});
}
