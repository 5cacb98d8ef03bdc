/**
 * Paths typed against the graph's state. The type checks run with `npx tsc` (this file
 * is in the project): a `@ts-expect-error` with no error under it fails the check.
 */
import {
  Annotation,
  END,
  ReducedValue,
  START,
  StateGraph,
  StateSchema,
} from "@langchain/langgraph";
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

/** The error `make` throws, or undefined. */
function thrownBy(make: () => unknown): unknown {
  try {
    make();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("state paths below the top level, checked when the node is built", () => {
  const ZodState = z.object({
    job: z.object({
      input: z.object({ topic: z.string() }),
      output: z.object({ draft: z.string() }).optional(),
    }),
    items: z.array(z.object({ name: z.string() })).default([]),
    notes: z.looseObject({ author: z.string() }),
    bag: z.record(z.string(), z.unknown()),
  });
  // Typed loosely, as a string variable or a JavaScript caller would give the paths.
  const loose = ZodState as GraphStateSchema;

  it("refuses a wrong key below a channel of a zod state, naming it and the keys there", () => {
    const output = thrownBy(
      () =>
        new ACPNode({ ...base, state: loose, inputPath: "job.input", outputPath: "job.outputt" }),
    );
    expect(output).toBeInstanceOf(NodeStateError);
    expect(output).toMatchObject({ node: "writer", role: "output", path: "job.outputt" });
    expect((output as Error).message).toBe(
      'node "writer": output at "job.outputt" names "outputt" under "job", which the state\'s schema does not declare there (its keys: input, output)',
    );
    const input = thrownBy(
      () =>
        new ACPNode({
          ...base,
          state: loose,
          inputPath: "job.input.topik",
          outputPath: "job.output",
        }),
    );
    expect(input).toBeInstanceOf(NodeStateError);
    expect(input).toMatchObject({ role: "input", path: "job.input.topik" });
    expect((input as Error).message).toContain('names "topik" under "job.input"');
    expect((input as Error).message).toContain("(its keys: topic)");
    const item = thrownBy(
      () =>
        new ACPNode({ ...base, state: loose, inputPath: "items.first", outputPath: "job.output" }),
    );
    expect((item as Error).message).toContain(
      'names "first" under "items", where the state\'s schema holds an array',
    );
    const belowText = thrownBy(
      () =>
        new ACPNode({
          ...base,
          state: loose,
          inputPath: "job.input.topic.x",
          outputPath: "job.output",
        }),
    );
    expect((belowText as Error).message).toContain("where the state's schema holds a string");
  });

  it("accepts paths that fit, and any key below an open object or a record", () => {
    for (const [inputPath, outputPath] of [
      ["job.input.topic", "job.output.draft"],
      ["items.3.name", "notes.author"],
      ["notes.anything.below", "bag.any.key"],
    ] as const) {
      expect(() => new ACPNode({ ...base, state: loose, inputPath, outputPath })).not.toThrow();
    }
  });

  it("reads the schemas of a StateSchema's fields, reduced values included", () => {
    const Fields = new StateSchema({
      job: z.object({ input: z.string(), output: z.string().optional() }),
      log: new ReducedValue(
        z.array(z.object({ line: z.string() })).default(() => []),
        {
          reducer: (all: Array<{ line: string }>, more: Array<{ line: string }>) => [
            ...all,
            ...more,
          ],
        },
      ),
    });
    const state = Fields as unknown as GraphStateSchema;
    expect(
      () => new ACPNode({ ...base, state, inputPath: "log.0.line", outputPath: "job.output" }),
    ).not.toThrow();
    const nested = thrownBy(
      () => new ACPNode({ ...base, state, inputPath: "log.0.lines", outputPath: "job.output" }),
    );
    expect((nested as Error).message).toContain('names "lines" under "log.0"');
    const top = thrownBy(
      () => new ACPNode({ ...base, state, inputPath: "job.input", outputPath: "jobs.output" }),
    );
    expect((top as Error).message).toContain("(its channels: job, log)");
  });

  it("checks only the top level of an Annotation.Root state, whose channels hold no schema", () => {
    const state = State as unknown as GraphStateSchema;
    expect(
      () => new ACPNode({ ...base, state, inputPath: "job.inputt", outputPath: "job.outputt" }),
    ).not.toThrow();
  });
});
