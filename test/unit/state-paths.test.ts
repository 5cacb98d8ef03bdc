import { describe, expect, it } from "vitest";
import {
  getStatePath,
  hasStatePath,
  mergeStateUpdates,
  StatePathError,
  setStatePath,
  splitStatePath,
} from "../../src/langgraph/state-paths.js";

const state = {
  composer: { output: { messages: [{ content: "hi" }, { content: "bye" }], meta: 1 } },
  flag: false,
  empty: undefined,
};

describe("getStatePath / hasStatePath", () => {
  it("reads nested objects and array indexes", () => {
    expect(getStatePath(state, "composer.output.meta")).toBe(1);
    expect(getStatePath(state, "composer.output.messages.1.content")).toBe("bye");
    expect(getStatePath(state, "flag")).toBe(false);
  });

  it("returns undefined for missing segments without throwing", () => {
    expect(getStatePath(state, "composer.input.email")).toBeUndefined();
    expect(getStatePath(state, "composer.output.messages.7")).toBeUndefined();
    expect(getStatePath(state, "flag.deeper")).toBeUndefined();
    expect(getStatePath(null, "a")).toBeUndefined();
  });

  it("tells a stored undefined from a missing key", () => {
    expect(hasStatePath(state, "empty")).toBe(true);
    expect(hasStatePath(state, "missing")).toBe(false);
    expect(hasStatePath(state, "composer.output.messages.0")).toBe(true);
    expect(hasStatePath(state, "composer.output.messages.2")).toBe(false);
  });

  it("does not treat inherited properties as present", () => {
    expect(hasStatePath({}, "toString")).toBe(false);
  });

  it("rejects malformed paths with a typed error naming the path", () => {
    expect(() => getStatePath(state, "")).toThrow(StatePathError);
    expect(() => splitStatePath("a..b")).toThrow(/"a\.\.b".*empty segment/);
  });
});

describe("setStatePath", () => {
  it("returns a top-level update that keeps siblings and copies parents", () => {
    const update = setStatePath(state, "composer.output.meta", 2);
    expect(Object.keys(update)).toEqual(["composer"]);
    expect(update.composer).toEqual({
      output: { messages: state.composer.output.messages, meta: 2 },
    });
    expect(state.composer.output.meta).toBe(1);
    expect(update.composer).not.toBe(state.composer);
    // untouched branches are shared, not cloned
    expect((update.composer as typeof state.composer).output.messages).toBe(
      state.composer.output.messages,
    );
  });

  it("creates missing parents", () => {
    expect(setStatePath({}, "reviewer.input.email", "x")).toEqual({
      reviewer: { input: { email: "x" } },
    });
    expect(setStatePath(undefined, "a", 1)).toEqual({ a: 1 });
  });

  it("writes array elements as copies", () => {
    const update = setStatePath(state, "composer.output.messages.0.content", "hey");
    const messages = (update.composer as typeof state.composer).output.messages;
    expect(messages).toEqual([{ content: "hey" }, { content: "bye" }]);
    expect(state.composer.output.messages[0]!.content).toBe("hi");
  });

  it("refuses to write through a primitive or a non-index into an array", () => {
    expect(() => setStatePath(state, "flag.x", 1)).toThrow(/cannot write "x" into a boolean/);
    expect(() => setStatePath(state, "composer.output.messages.first", 1)).toThrow(StatePathError);
  });
});

describe("mergeStateUpdates", () => {
  it("keeps two nested writes under the same top-level key", () => {
    const a = setStatePath(state, "reviewer.input.email", "e");
    const b = setStatePath(state, "reviewer.input.target", "t");
    expect(mergeStateUpdates(a, b)).toEqual({ reviewer: { input: { email: "e", target: "t" } } });
  });

  it("lets later updates win and replaces arrays whole", () => {
    expect(mergeStateUpdates({ a: [1, 2], b: 1 }, { a: [3] }, undefined, { b: 2 })).toEqual({
      a: [3],
      b: 2,
    });
    expect(mergeStateUpdates()).toEqual({});
  });
});
