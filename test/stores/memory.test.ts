import { describe, expect, it } from "vitest";
import { StoreLimitError } from "../../src/server/stores/errors.js";
import { memoryStore } from "../../src/server/stores/memory.js";
import { describeStore, storedRun, storedThread, valuesEvent } from "../helpers/store-suite.js";

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

describe("memory store answers", () => {
  it("stores a write at once and answers the writes of one turn of the event loop together, after it", async () => {
    const store = memoryStore();
    const answered: string[] = [];
    const run = storedRun({ status: "pending" });
    const thread = storedThread();
    const inserted = store.runs.insert(run).then(() => answered.push("insert"));
    const created = store.threads.create(thread).then(() => answered.push("create"));
    const ended = store.runs
      .update({ ...run, status: "success" }, [valuesEvent(run.run_id, 1)])
      .then(() => answered.push("update"));
    // Readers see each write at once; its writer is answered once the turn is over.
    expect((await store.runs.get(run.run_id))?.status).toBe("success");
    expect(await store.threads.get(thread.thread_id)).toEqual(thread);
    expect(await store.runs.readEvents(run.run_id, 0, 10)).toHaveLength(1);
    expect(answered).toEqual([]);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(answered).toEqual(["insert", "create", "update"]);
    await Promise.all([inserted, created, ended]);
  });
});
