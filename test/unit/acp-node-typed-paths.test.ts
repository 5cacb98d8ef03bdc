/**
 * Paths typed against the graph's state. The type checks run with `npx tsc` (this file
 * is in the project): a `@ts-expect-error` with no error under it fails the check.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { ACPClient } from "../../src/client/acp-client.js";
import { ACPNode } from "../../src/langgraph/acp-node.js";
import { NodeStateError } from "../../src/langgraph/node-errors.js";
import type {
  GraphStateSchema,
  StatePath,
  StatePathValue,
} from "../../src/langgraph/state-path-types.js";

const State = Annotation.Root({
  job: Annotation<{ input: { topic: string }; output?: { draft: string } }>,
  items: Annotation<Array<{ name: string }>>,
  loose: Annotation<unknown>,
});

const client = new ACPClient({ configuration: { host: "http://127.0.0.1:9" } });
const base = { name: "writer", agentId: "agent", client } as const;

describe("state paths as types", () => {
  it("lists the dot paths of a state type", () => {
    type Paths = StatePath<typeof State.State>;
    expectTypeOf<"job.input.topic">().toExtend<Paths>();
    expectTypeOf<"items.0.name">().toExtend<Paths>();
    expectTypeOf<"loose.anything.below">().toExtend<Paths>();
    expectTypeOf<"jobb.input">().not.toExtend<Paths>();
    expectTypeOf<"job.outputt">().not.toExtend<Paths>();
    expectTypeOf<StatePathValue<typeof State.State, "job.input">>().toEqualTypeOf<{
      topic: string;
    }>();
    // An unknown state takes any string.
    expectTypeOf<"anything.at.all">().toExtend<StatePath<unknown>>();
  });

  it("compiles a node whose paths and types fit the state", () => {
    const node = new ACPNode({
      ...base,
      state: State,
      inputPath: "job.input",
      inputType: z.object({ topic: z.string() }),
      outputPath: "job.output",
      outputType: z.object({ draft: z.string() }),
    });
    expect(node.outputPath).toBe("job.output");
  });

  it("refuses wrong paths and types at compile time", () => {
    const build = (make: () => unknown) => expect(make).toThrow();
    build(
      () =>
        new ACPNode({
          ...base,
          state: State,
          // @ts-expect-error: no such path in the state
          inputPath: "jobb.input",
          outputPath: "job.output",
        }),
    );
    expect(
      () =>
        new ACPNode({
          ...base,
          state: State,
          inputPath: "job.input",
          // @ts-expect-error: a typo under an existing key
          outputPath: "job.outputt",
        }),
    ).not.toThrow();
    expect(
      () =>
        new ACPNode({
          ...base,
          state: State,
          inputPath: "job.input",
          // @ts-expect-error: inputType contradicts the state's { topic: string }
          inputType: z.object({ topic: z.number() }),
          outputPath: "job.output",
        }),
    ).not.toThrow();
    expect(
      () =>
        new ACPNode({
          ...base,
          state: State,
          inputPath: "job.input",
          outputPath: "job.output",
          // @ts-expect-error: outputType does not fit the state's { draft: string }
          outputType: z.object({ draft: z.boolean() }),
        }),
    ).not.toThrow();
    // Without the state, any string is a path.
    expect(
      () => new ACPNode({ ...base, inputPath: "jobb.input", outputPath: "job.outputt" }),
    ).not.toThrow();
  });
});

describe("state paths at run time", () => {
  it("refuses, when the node is built, a path whose top-level key is no channel of the given state", () => {
    const error = (() => {
      try {
        new ACPNode({
          ...base,
          // Typed loosely, so that only the run-time check stands in the way.
          state: State as unknown as GraphStateSchema,
          inputPath: "jobb.input",
          outputPath: "job.output",
        });
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(NodeStateError);
    expect((error as Error).message).toContain('"jobb"');
    expect((error as Error).message).toContain("job, items, loose");
  });

  it("fails a write to a key that is no channel before calling the agent, without the state given", async () => {
    const node = new ACPNode({ ...base, inputPath: "job.input", outputPath: "jobb.output" });
    const graph = new StateGraph(State)
      .addNode(node.getName(), node)
      .addEdge(START, node.getName())
      .addEdge(node.getName(), END)
      .compile();
    // The agent's server is nowhere (port 9): the error comes before any request.
    const error = await graph.invoke({ job: { input: { topic: "x" } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeStateError);
    expect((error as NodeStateError).role).toBe("output");
    expect((error as Error).message).toContain('names "jobb", which is no channel');
  });
});
