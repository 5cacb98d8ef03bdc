/**
 * The hand check of stream events against the zod schema it stands in for: it
 * may leave a value to zod, but it must never pass one zod rejects, and the
 * decoded event must be what zod would give.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { surelyValid } from "../../src/client/event-check.js";
import { ApiValueError, decodeRunOutputEvent, RunOutputStream } from "../../src/index.js";

const statuses = ["pending", "error", "success", "timeout", "interrupted"];
const types = ["values", "custom", "interrupt", "error", "other"];

/** Values of every JSON kind, plus numbers JSON overflows to Infinity. */
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);

/** Mostly a value of the right kind, sometimes any JSON, sometimes absent. */
const field = <T>(good: fc.Arbitrary<T>) =>
  fc.option(fc.oneof({ arbitrary: good, weight: 5 }, { arbitrary: anyJson, weight: 1 }), {
    nil: undefined,
    freq: 8,
  });

/** `data` objects near the branches' shapes (absent fields vanish in JSON). */
const dataLike = fc.record({
  type: field(fc.constantFrom(...types)),
  run_id: field(fc.uuid()),
  status: field(fc.constantFrom(...statuses)),
  values: field(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }))),
  update: field(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }))),
  messages: fc.option(fc.constant([{ role: "user", content: "hi" }]), { freq: 3 }),
  interrupt: field(fc.string()),
  errcode: field(fc.integer()),
  description: field(fc.string()),
  extra: fc.option(anyJson),
});

/** The optional, not nullable fields of each branch that the generator can make `null`. */
const optionalFields: Record<string, readonly string[]> = {
  values: ["messages"],
  custom: ["run_id"],
};

/** `data` as the client reads it: a `null` in an optional field is an absent field. */
function withoutNullOptionals(data: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...data };
  // Not `String(copy.type)`: a generated object may have a `toString` that is no function.
  const type = typeof copy.type === "string" ? copy.type : "";
  for (const key of Object.hasOwn(optionalFields, type) ? (optionalFields[type] ?? []) : []) {
    if (copy[key] === null) delete copy[key];
  }
  return copy;
}

describe("the hand check of an event's data", () => {
  it("never passes data the branch's zod schema rejects", () => {
    let passed = 0;
    fc.assert(
      fc.property(dataLike, (data) => {
        const parsed = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
        if (surelyValid(parsed)) {
          passed++;
          const event = { id: "1", event: "agent_event", data: parsed };
          expect(RunOutputStream.safeParse(event).success).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    // The generator reaches the hand check's "yes" often enough for this to mean something.
    expect(passed).toBeGreaterThan(100);
  });

  it("takes Infinity from an overflowing number literal as zod does: not a number", () => {
    const wire = '{"type":"values","run_id":"r","status":"pending","values":1e999}';
    expect(surelyValid(JSON.parse(wire))).toBe(false);
    expect(() => decodeRunOutputEvent({ id: "1", event: "agent_event", data: wire }, "op")).toThrow(
      ApiValueError,
    );
  });

  it("leaves an update with an own __proto__ key to zod, which drops that key", () => {
    const wire =
      '{"type":"custom","run_id":"r","status":"pending","update":{"__proto__":{"x":1},"a":2}}';
    expect(surelyValid(JSON.parse(wire))).toBe(false);
    const decoded = decodeRunOutputEvent({ id: "1", event: "agent_event", data: wire }, "op");
    const zod = RunOutputStream.parse({ id: "1", event: "agent_event", data: JSON.parse(wire) });
    expect(decoded).toEqual(zod);
    expect(Object.hasOwn((decoded.data as { update: object }).update, "__proto__")).toBe(false);
  });

  it("decodes every event as the full zod schema does, or fails where it fails", () => {
    fc.assert(
      fc.property(dataLike, fc.constantFrom("agent_event", "other"), (data, event) => {
        const wire = { id: "7", event, data: JSON.stringify(data) };
        const expected = withoutNullOptionals(JSON.parse(wire.data));
        const zod = RunOutputStream.safeParse({ id: "7", event, data: expected });
        let decoded: unknown;
        let error: unknown;
        try {
          decoded = decodeRunOutputEvent(wire, "op");
        } catch (e) {
          error = e;
        }
        if (zod.success) {
          expect(error).toBeUndefined();
          expect(decoded).toEqual(zod.data);
        } else {
          expect(error).toBeInstanceOf(ApiValueError);
          expect((error as Error).message).toMatch(/^op: stream event "7" is not a valid/);
          expect((error as ApiValueError).pathToItem?.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("names the field under data when the branch check fails", () => {
    const data = JSON.stringify({ type: "custom", status: "pending", update: [1] });
    const error = (() => {
      try {
        decodeRunOutputEvent({ id: "5", event: "agent_event", data }, "op");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as ApiValueError).pathToItem).toEqual(["data", "update"]);
  });
});
