/**
 * Dot paths against a zod state's schema: where a path leaves what the schema
 * declares, and where the schema cannot tell and so accepts.
 */
import { StateSchema, UntrackedValue } from "@langchain/langgraph";
import { registry, withLangGraph } from "@langchain/langgraph/zod";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { channelsOf, statePathProblem } from "../../src/langgraph/state-path-check.js";

const State = z.object({
  job: z.object({ input: z.object({ topic: z.string() }), output: z.string().nullish() }),
  strict: z.strictObject({ a: z.string() }),
  open: z.object({ a: z.string() }).catchall(z.number()),
  either: z.union([z.object({ a: z.string() }), z.object({ b: z.object({ c: z.string() }) })]),
  maybe: z.union([z.object({ a: z.string() }), z.null()]),
  both: z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })),
  tree: z.lazy(() => z.object({ leaf: z.string() })),
  parsed: z.preprocess((value) => value, z.object({ p: z.string() })),
  made: z.object({ a: z.string() }).transform((value) => ({ ...value, extra: 1 })),
  pair: z.tuple([z.string(), z.object({ q: z.number() })]),
  rest: z.tuple([z.string()], z.object({ r: z.number() })),
  list: z.array(z.object({ name: z.string() })).default([]),
  anything: z.unknown(),
  custom: z.custom<{ a: string }>(() => true),
});
const channels = channelsOf(State);

function problem(path: string): string | undefined {
  if (!channels) throw new Error("a zod object has channels");
  return statePathProblem(channels, path);
}

describe("a path against a zod state", () => {
  it("accepts the paths the schema declares, through its wrappers", () => {
    for (const path of [
      "job",
      "job.input.topic",
      "job.output",
      "strict.a",
      "either.a",
      "either.b.c",
      "maybe.a",
      "both.a",
      "both.b",
      "tree.leaf",
      "parsed.p",
      "pair.1.q",
      "rest.5.r",
      "list.0.name",
    ]) {
      expect(problem(path), path).toBeUndefined();
    }
  });

  it("accepts any key where the schema is open or cannot tell", () => {
    for (const path of ["open.extra", "made.extra", "anything.at.all", "custom.whatever"]) {
      expect(problem(path), path).toBeUndefined();
    }
  });

  it("names the key that leaves the schema and what the schema holds there", () => {
    expect(problem("strict.b")).toBe(
      'names "b" under "strict", which the state\'s schema does not declare there (its keys: a)',
    );
    expect(problem("job.output.x")).toBe(
      'names "x" under "job.output", where the state\'s schema holds a string',
    );
    expect(problem("either.c")).toContain("(its keys: a, b)");
    expect(problem("either.b.d")).toContain('names "d" under "either.b"');
    expect(problem("maybe.b")).toBe(
      'names "b" under "maybe", where the state\'s schema holds an object of a or a null',
    );
    expect(problem("both.c")).toContain("(its keys: a, b)");
    expect(problem("tree.branch")).toContain("(its keys: leaf)");
    expect(problem("parsed.q")).toContain("(its keys: p)");
    expect(problem("pair.2")).toContain("holds a tuple of 2");
    expect(problem("list.first")).toContain("holds an array");
    expect(problem("list.-1.name")).toContain('names "-1" under "list"');
    expect(problem("jobs.input")).toBe(
      'names "jobs", which is no channel of the graph\'s state (its channels: job, strict, open, either, maybe, both, tree, parsed, made, pair, rest, list, anything, custom)',
    );
  });

  it("reads the schemas LangGraph's zod integration and StateSchema give a channel", () => {
    const Line = z.object({ line: z.string() });
    const reduced = channelsOf(
      z.object({
        log: withLangGraph(z.array(Line), {
          reducer: {
            fn: (all: unknown[], more: unknown[]) => [...all, ...more],
            schema: z.array(Line),
          },
          default: () => [],
        }),
        meta: Line.register(registry, { default: () => ({ line: "" }) }),
      }),
    );
    expect(reduced && statePathProblem(reduced, "log.0.line")).toBeUndefined();
    expect(reduced && statePathProblem(reduced, "log.0.lines")).toContain("(its keys: line)");
    expect(reduced && statePathProblem(reduced, "meta.lines")).toContain("(its keys: line)");
    const fields = channelsOf(
      new StateSchema({ scratch: new UntrackedValue(Line), free: new UntrackedValue() }),
    );
    expect(fields && statePathProblem(fields, "scratch.lines")).toContain("(its keys: line)");
    expect(fields && statePathProblem(fields, "free.any.key")).toBeUndefined();
  });

  it("finds no channels in what is no graph state", () => {
    expect(channelsOf(undefined)).toBeUndefined();
    expect(channelsOf("state")).toBeUndefined();
    expect(channelsOf({ fields: {} })).toBeUndefined();
  });
});
