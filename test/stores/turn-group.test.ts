/**
 * The memory store answers its writes through a TurnGroup: those asked for in one turn
 * of the event loop together, at its end; and at once while each group would hold one
 * write alone, with one in every few still waiting for the turn, so that more work
 * coming is grouped again.
 */
import { describe, expect, it } from "vitest";
import { TurnGroup } from "../../src/server/stores/turn-group.js";

/** Settles `value` and reports whether that came before a `setImmediate` queued first. */
async function beforeTurnEnd(group: TurnGroup, value: number): Promise<boolean> {
  let turnEnded = false;
  setImmediate(() => {
    turnEnded = true;
  });
  expect(await group.settle(value)).toBe(value);
  return !turnEnded;
}

describe("TurnGroup", () => {
  it("settles what is asked for in one turn together at its end, in order", async () => {
    const group = new TurnGroup();
    const order: number[] = [];
    let turnEnded = false;
    setImmediate(() => {
      turnEnded = true;
    });
    await Promise.all(
      [1, 2, 3].map((n) =>
        group.settle(n).then((v) => {
          expect(turnEnded).toBe(true);
          order.push(v);
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
  });

  it("settles at once after groups of one, and waits for the turn again now and then", async () => {
    const group = new TurnGroup();
    const atOnce: boolean[] = [];
    for (let i = 0; i < 8 + 17 + 17; i++) atOnce.push(await beforeTurnEnd(group, i));
    // Eight groups of one, then sixteen at once and one that waits, twice over.
    expect(atOnce.slice(0, 8)).toEqual(Array(8).fill(false));
    expect(atOnce.slice(8, 24)).toEqual(Array(16).fill(true));
    expect(atOnce[24]).toBe(false);
    expect(atOnce.slice(25, 41)).toEqual(Array(16).fill(true));
    expect(atOnce[41]).toBe(false);
  });

  it("groups again once a waiting one is joined by others", async () => {
    const group = new TurnGroup();
    for (let i = 0; i < 8 + 16; i++) await group.settle(i);
    // The one that waits is joined by two more: a group of three.
    let turnEnded = false;
    setImmediate(() => {
      turnEnded = true;
    });
    const joined = await Promise.all([group.settle("a"), group.settle("b"), group.settle("c")]);
    expect(joined).toEqual(["a", "b", "c"]);
    expect(turnEnded).toBe(true);
    // Grouping again: the next one alone waits for the turn too.
    expect(await beforeTurnEnd(group, 1)).toBe(false);
  });
});
