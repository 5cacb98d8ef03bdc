import { describe, expect, it } from "vitest";
import { StoreLimitError } from "../../src/server/stores/errors.js";
import { memoryStore } from "../../src/server/stores/memory.js";
import { describeStore, storedRun } from "./store-suite.js";

describeStore("memory", async (logger, faults) => ({
  store: memoryStore({ logger, faults }),
  dispose: async () => undefined,
}));

describe("memory store byte budget", () => {
  const big = (n: number) => ({ agent_id: "a", input: { text: "x".repeat(n) } });

  it("drops event logs, then the oldest finished runs, to stay under maxBytes", async () => {
    const warnings: string[] = [];
    const store = memoryStore({ maxBytes: 50_000, logger: { warn: (m) => warnings.push(m) } });
    const finished = [];
    for (let i = 0; i < 10; i += 1) {
      const run = storedRun({ status: "success", creation: big(10_000) });
      await store.runs.insert(run);
      finished.push(run.run_id);
    }
    const kept = await store.runs.search({ limit: 100 });
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(5);
    // The newest survive, in order.
    expect(kept.map((r) => r.run_id)).toEqual(finished.slice(10 - kept.length));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("maxBytes");
  });

  it("refuses a run that does not fit beside the executing ones, naming the limit", async () => {
    const store = memoryStore({ maxBytes: 30_000, logger: { warn: () => undefined } });
    const first = storedRun({ status: "pending", creation: big(20_000) });
    await store.runs.insert(first);
    const second = storedRun({ status: "pending", creation: big(20_000) });
    const refused = store.runs.insert(second);
    await expect(refused).rejects.toBeInstanceOf(StoreLimitError);
    await expect(refused).rejects.toMatchObject({ limit: "maxBytes", value: 30_000 });
    expect(await store.runs.get(second.run_id)).toBeUndefined();
    expect(await store.runs.get(first.run_id)).toEqual(first);
  });
});
