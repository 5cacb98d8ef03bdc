/**
 * The group commit's answers: a write alone goes alone, the writes of one turn go
 * together, and each is told what it would be told alone when the batch fails.
 */
import { describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/server/errors.js";
import { type BatchWrites, StatementBatch } from "../../src/server/stores/postgres/batch.js";

/** Writes that double numbers, refuse 13, and record how they were asked. */
function doubling(failMany?: unknown): BatchWrites<number, number> & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async one(n) {
      calls.push(`one ${n}`);
      if (n === 13) throw new RangeError("13 is refused");
      return n * 2;
    },
    async many(ns) {
      calls.push(`many ${ns.join(",")}`);
      if (failMany !== undefined) throw failMany;
      if (ns.includes(13)) throw new RangeError("a batch with 13 is refused");
      return ns.map((n) => n * 2);
    },
  };
}

describe("StatementBatch", () => {
  it("writes one item alone and the items of one turn together, in order", async () => {
    const writes = doubling();
    const batch = new StatementBatch(writes);
    expect(await batch.write(1, "a")).toBe(2);
    expect(
      await Promise.all([batch.write(2, "b"), batch.write(3, "c"), batch.write(4, "d")]),
    ).toEqual([4, 6, 8]);
    expect(writes.calls).toEqual(["one 1", "many 2,3,4"]);
  });

  it("writes each item again alone when the batch is refused, so only the faulty one fails", async () => {
    const writes = doubling();
    const batch = new StatementBatch(writes);
    const answers = await Promise.allSettled([
      batch.write(5, "a"),
      batch.write(13, "b"),
      batch.write(6, "c"),
    ]);
    expect(answers).toEqual([
      { status: "fulfilled", value: 10 },
      { status: "rejected", reason: new RangeError("13 is refused") },
      { status: "fulfilled", value: 12 },
    ]);
    expect(writes.calls).toEqual(["many 5,13,6", "one 5", "one 13", "one 6"]);
  });

  it("tells every item that the database cannot be reached, without writing each again", async () => {
    const away = new StoreUnavailableError("the database cannot be reached: ECONNREFUSED", "runs");
    const writes = doubling(away);
    const batch = new StatementBatch(writes);
    const answers = await Promise.allSettled([batch.write(1, "a"), batch.write(2, "b")]);
    expect(answers).toEqual([
      { status: "rejected", reason: away },
      { status: "rejected", reason: away },
    ]);
    expect(writes.calls).toEqual(["many 1,2"]);
  });

  it("puts a second write of one key in the next batch, after the first is answered", async () => {
    const writes = doubling();
    const batch = new StatementBatch(writes);
    const order: number[] = [];
    const track = (p: Promise<number>) =>
      p.then((v) => {
        order.push(v);
      });
    await Promise.all([
      track(batch.write(1, "run-1")),
      track(batch.write(2, "run-2")),
      track(batch.write(3, "run-1")),
    ]);
    expect(writes.calls).toEqual(["many 1,2", "one 3"]);
    expect(order).toEqual([2, 4, 6]);
  });
});
