/**
 * Paths checked below the top level against a zod state: a node whose paths fit the
 * schema runs in a real StateGraph of that schema against an agent served over HTTP
 * and writes where its path says; a wrong key below a channel never gets that far.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ACPNode } from "../../src/langgraph/acp-node.js";
import { NodeStateError } from "../../src/langgraph/node-errors.js";
import type { GraphStateSchema } from "../../src/langgraph/state-path-types.js";
import { useACPNodeAgents } from "../helpers/acp-node-agents.js";

const context = useACPNodeAgents();

const Mail = z.object({ topic: z.string(), draft: z.string() });
const State = z.object({
  job: z.object({
    id: z.number(),
    input: z.object({ topic: z.string() }),
    output: Mail.optional(),
  }),
  notes: z.object({ author: z.string() }).passthrough(),
  bag: z.record(z.string(), z.unknown()).optional(),
});

function writer(outputPath: string, state: GraphStateSchema = State) {
  return new ACPNode({
    name: "writer",
    agentId: context.agents.ids.writer,
    client: context.client,
    state,
    inputPath: "job.input",
    outputPath,
    outputType: Mail,
  });
}

function graphOf(node: ACPNode) {
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile();
}

const start = { job: { id: 7, input: { topic: "the picnic" } }, notes: { author: "Ada" } };

describe("a zod state checks the keys below its channels", () => {
  it("runs a node whose nested output path fits, writing there with the siblings kept", async () => {
    const result = await graphOf(writer("job.output")).invoke(start);
    expect(result.job).toEqual({
      id: 7,
      input: { topic: "the picnic" },
      output: { topic: "the picnic", draft: "A mail about the picnic. -- anonymous" },
    });
    expect(result.notes).toEqual({ author: "Ada" });
  });

  it("writes below an open object under a key its schema does not declare", async () => {
    const result = await graphOf(writer("notes.draft")).invoke(start);
    expect(result.notes).toEqual({
      author: "Ada",
      draft: { topic: "the picnic", draft: "A mail about the picnic. -- anonymous" },
    });
    const inBag = await graphOf(writer("bag.any.where")).invoke(start);
    expect(inBag.bag).toEqual({
      any: { where: { topic: "the picnic", draft: "A mail about the picnic. -- anonymous" } },
    });
  });

  it("refuses a typo below a channel when the node is built, before any graph runs it", () => {
    const error = (() => {
      try {
        writer("job.outputt");
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(NodeStateError);
    expect((error as NodeStateError).role).toBe("output");
    expect((error as NodeStateError).path).toBe("job.outputt");
    expect((error as Error).message).toBe(
      'node "writer": output at "job.outputt" names "outputt" under "job", which the state\'s schema does not declare there (its keys: id, input, output)',
    );
  });
});
