import { describe, expect, it } from "vitest";
import { onceIterated } from "../../src/core/tracing.js";

/** An async iterable over `items` that fails with `failure` after them, when given. */
function source(items: number[], failure?: Error): AsyncIterable<number> {
  return {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: async () => {
          if (i < items.length) return { done: false, value: items[i++] as number };
          if (failure) throw failure;
          return { done: true, value: undefined };
        },
      };
    },
  };
}

describe("onceIterated", () => {
  it("reports the end once, after every item, when the stream is read to its end", async () => {
    const ends: unknown[] = [];
    const seen: number[] = [];
    for await (const item of onceIterated(source([1, 2, 3]), (error) => ends.push(error))) {
      seen.push(item);
      expect(ends).toEqual([]);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(ends).toEqual([undefined]);
  });

  it("reports the stream's error, and still rejects with it", async () => {
    const failure = new Error("cut");
    const ends: unknown[] = [];
    const read = async () => {
      for await (const _ of onceIterated(source([1], failure), (error) => ends.push(error))) {
        // reads on
      }
    };
    await expect(read()).rejects.toBe(failure);
    expect(ends).toEqual([failure]);
  });

  it("reports the end when its consumer stops early", async () => {
    const ends: unknown[] = [];
    for await (const item of onceIterated(source([1, 2, 3]), (error) => ends.push(error))) {
      if (item === 1) break;
    }
    expect(ends).toEqual([undefined]);
  });

  it("answers a next() that throws at once with a rejected promise, and reports that error", async () => {
    const failure = new Error("at once");
    const throwing: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          throw failure;
        },
      }),
    };
    const ends: unknown[] = [];
    const iterator = onceIterated(throwing, (error) => ends.push(error))[Symbol.asyncIterator]();
    const step = iterator.next();
    expect(step).toBeInstanceOf(Promise);
    await expect(step).rejects.toBe(failure);
    expect(ends).toEqual([failure]);
  });
});
