/**
 * LangSmith's headers on a request are opt-in: the current run tree's `langsmith-trace`
 * and `baggage` go out only when LangSmith tracing is on for that run tree, and never
 * replace a header the request already has.
 */
import { RunTree } from "langsmith/run_trees";
import { withRunTree } from "langsmith/traceable";
import { afterEach, describe, expect, it } from "vitest";
import { injectTraceHeaders } from "../../src/core/tracing.js";

const switches = ["LANGSMITH_TRACING", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2"];
const saved = Object.fromEntries(switches.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of switches) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});
function tracingOff() {
  for (const name of switches) delete process.env[name];
}

/** The headers a request made inside `tree` would carry. */
async function headersIn(tree: RunTree, given: Record<string, string> = {}) {
  const headers = { ...given };
  await withRunTree(tree, async () => injectTraceHeaders(headers));
  return headers;
}

const tree = (tracingEnabled?: boolean) =>
  new RunTree({
    name: "parent",
    project_name: "headers",
    ...(tracingEnabled === undefined ? {} : { tracingEnabled }),
  });

describe("LangSmith's headers", () => {
  it("are the run tree's own, when its tracing is on", async () => {
    tracingOff();
    const parent = tree(true);
    const headers = await headersIn(parent);
    const expected = parent.toHeaders();
    expect(headers["langsmith-trace"]).toBe(expected["langsmith-trace"]);
    expect(headers["langsmith-trace"]).toContain(parent.id);
    expect(headers.baggage).toBe(expected.baggage);
  });

  it("follow LANGSMITH_TRACING when the run tree does not say", async () => {
    tracingOff();
    const parent = tree();
    parent.tracingEnabled = undefined;
    expect(await headersIn(parent)).toEqual({});
    process.env.LANGSMITH_TRACING = "true";
    expect((await headersIn(parent))["langsmith-trace"]).toContain(parent.id);
  });

  it("are not sent when the run tree's tracing is off, or outside any run tree", async () => {
    process.env.LANGSMITH_TRACING = "true";
    expect(await headersIn(tree(false))).toEqual({});
    const outside: Record<string, string> = {};
    injectTraceHeaders(outside);
    expect(outside).toEqual({});
  });

  it("leave a header the request already has as it is", async () => {
    tracingOff();
    const headers = await headersIn(tree(true), { "Langsmith-Trace": "mine" });
    expect(headers["Langsmith-Trace"]).toBe("mine");
    expect(headers["langsmith-trace"]).toBeUndefined();
  });
});
