/**
 * The fast checks of run bodies and wait answers stand in for zod on the hot
 * path: they may leave a value to zod, but must never pass one zod rejects.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type SurelyValid,
  surelyValidRun,
  surelyValidRunCreate,
  surelyValidWaitResponse,
} from "../../src/client/response-check.js";
import {
  RunCreateStateful,
  RunCreateStateless,
  RunStateful,
  RunStateless,
  RunWaitResponseStateful,
  RunWaitResponseStateless,
} from "../../src/index.js";

class Point {
  x = 1;
}

/** Values of every JSON kind and the JavaScript values a caller may pass by mistake. */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(
    null,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    new Date(0),
    new Map(),
    new Point(),
    () => 1,
    Symbol("s"),
    10n,
    Object.create(null),
  ),
);

/** Mostly a value of the right kind, sometimes anything, sometimes absent. */
const field = <T>(good: fc.Arbitrary<T>) =>
  fc.option(fc.oneof({ arbitrary: good, weight: 15 }, { arbitrary: oddValue, weight: 1 }), {
    nil: undefined,
    freq: 15,
  });

/** Absent four times in five, else a value of `arbitrary`. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary, weight: 1 });

const agentValue = fc.oneof(
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 })),
  fc.string(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
);

const runCreate = fc.record({
  agent_id: field(fc.uuid()),
  input: field(agentValue),
  metadata: field(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }))),
  stream_mode: rarely(fc.constantFrom<unknown>("values", "bad", ["custom"])),
  on_completion: rarely(fc.constantFrom<unknown>("keep", "never")),
  extra: rarely(oddValue),
});

const run = fc.record({
  run_id: field(fc.uuid()),
  thread_id: rarely(fc.oneof(fc.uuid(), oddValue)),
  agent_id: field(fc.uuid()),
  created_at: field(fc.constant("2026-11-28T00:00:00Z")),
  updated_at: field(fc.constant("2026-11-28T00:00:00Z")),
  status: field(fc.constantFrom("pending", "error", "success", "timeout", "interrupted", "done")),
  creation: field(runCreate),
  extra: rarely(oddValue),
});

const output = fc.record({
  type: field(fc.constantFrom("result", "result", "result", "interrupt", "error", "other")),
  values: field(agentValue),
  messages: rarely(fc.constantFrom<unknown>([{ role: "ai", content: "hi" }], "x")),
  interrupt: rarely(agentValue),
  extra: rarely(oddValue),
});

const waitResponse = fc.record({
  run: field(run),
  output: field(output),
  extra: rarely(oddValue),
});

/** How often a check said yes, so a test can show it reached that branch. */
interface Count {
  passed: number;
}

/** The property: whatever `check` vouches for, every schema accepts unchanged. */
function neverPassesWhatZodRejects(
  values: fc.Arbitrary<unknown>,
  check: SurelyValid,
  schemas: readonly { safeParse: (v: unknown) => { success: boolean; data?: unknown } }[],
  count: Count,
) {
  return fc.property(values, (value) => {
    if (!check(value)) return;
    count.passed++;
    for (const schema of schemas) {
      const result = schema.safeParse(value);
      expect(result.success).toBe(true);
      // The value is used as it is: it must be what zod's parse gives (unknown fields kept).
      expect(value).toEqual(result.data);
    }
  });
}

/** A check with the generator of values near its shape and the schemas it stands in for. */
interface Case {
  name: string;
  values: fc.Arbitrary<unknown>;
  check: SurelyValid;
  schemas: readonly { safeParse: (v: unknown) => { success: boolean; data?: unknown } }[];
}

const cases: Case[] = [
  {
    name: "run creation body",
    values: runCreate,
    check: surelyValidRunCreate,
    schemas: [RunCreateStateless, RunCreateStateful],
  },
  { name: "run", values: run, check: surelyValidRun, schemas: [RunStateless, RunStateful] },
  {
    name: "wait answer",
    values: waitResponse,
    check: surelyValidWaitResponse,
    schemas: [RunWaitResponseStateless, RunWaitResponseStateful],
  },
];

describe("the fast checks of run bodies and wait answers", () => {
  for (const { name, values, check, schemas } of cases) {
    it(`never pass a ${name} zod rejects`, () => {
      const count = { passed: 0 };
      fc.assert(neverPassesWhatZodRejects(values, check, schemas, count), { numRuns: 3000 });
      // The generator reaches the check's "yes" often enough for this to mean something.
      expect(count.passed).toBeGreaterThan(100);
    });

    it(`never pass a ${name} zod rejects, once JSON-encoded as on the wire`, () => {
      const count = { passed: 0 };
      const wire = values
        .filter((v: unknown) => {
          try {
            return JSON.stringify(v) !== undefined;
          } catch {
            return false;
          }
        })
        .map((v: unknown) => JSON.parse(JSON.stringify(v)) as unknown);
      fc.assert(neverPassesWhatZodRejects(wire, check, schemas, count), { numRuns: 2000 });
      expect(count.passed).toBeGreaterThan(100);
    });
  }

  it("are caught by the property when broken: a wait check that skips the run's status", () => {
    const skipsStatus: SurelyValid = (value) => {
      if (typeof value !== "object" || value === null) return false;
      const answer = value as { run?: unknown };
      if (typeof answer.run !== "object" || answer.run === null) {
        return surelyValidWaitResponse(value);
      }
      return surelyValidWaitResponse({ ...answer, run: { ...answer.run, status: "success" } });
    };
    const count = { passed: 0 };
    const property = neverPassesWhatZodRejects(
      waitResponse,
      skipsStatus,
      [RunWaitResponseStateless],
      count,
    );
    expect(fc.check(property, { numRuns: 3000 }).failed).toBe(true);
  });

  it("are caught by the property when broken: a body check that takes any input", () => {
    const anyInput: SurelyValid = (value) =>
      surelyValidRunCreate(
        typeof value === "object" && value !== null ? { ...value, input: undefined } : value,
      );
    const property = neverPassesWhatZodRejects(runCreate, anyInput, [RunCreateStateless], {
      passed: 0,
    });
    expect(fc.check(property, { numRuns: 3000 }).failed).toBe(true);
  });
});
