import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { memoryStore, type ServerStore, sqliteStore } from "../../src/server/index.js";
import { countStoreCalls } from "../helpers/counting-store.js";
import { agentIds, raw, startACPServer } from "../helpers/server.js";

const dir = mkdtempSync(join(tmpdir(), "acp-run-writes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: Array<[string, () => ServerStore]> = [
  ["memory", () => memoryStore()],
  ["sqlite", () => sqliteStore(join(dir, `${Date.now()}-${Math.random()}.sqlite`))],
];

describe.each(stores)("the store writes of a run (%s)", (_name, makeStore) => {
  it("stores a stateless run in two writes: its creation, then its end with its events", async () => {
    const store = makeStore();
    const calls = countStoreCalls(store);
    const running = await startACPServer({ store });
    try {
      for (let i = 0; i < 5; i++) {
        calls.reset();
        const answer = await raw(running.url, "POST", "/runs/wait", {
          agent_id: agentIds.echo,
          input: { text: `hi ${i}` },
        });
        expect(answer.status).toBe(200);
        const runId = (answer.body as { run: { run_id: string } }).run.run_id;
        expect(calls.of("runs.insert")).toBe(1);
        expect(calls.of("runs.update")).toBe(1);
        expect(calls.of("runs.appendEvents")).toBe(0);
        // Its events went with its end: they are all stored.
        const events = await store.runs.readEvents(runId, 0, 10);
        expect(events.length).toBeGreaterThan(0);
        expect(events.map((e) => e.id)).toEqual(events.map((_, n) => n + 1));
        expect(events.at(-1)?.data).toMatchObject({
          type: "values",
          values: { reply: `echo: hi ${i}` },
        });
      }
    } finally {
      await running.close();
    }
  });

  it("stores a thread run in at most five calls of the store, its end and its thread's in one", async () => {
    const store = makeStore();
    const calls = countStoreCalls(store);
    const running = await startACPServer({ store });
    try {
      const thread = (await raw(running.url, "POST", "/threads", {})).body as {
        thread_id: string;
      };
      calls.reset();
      const answer = await raw(running.url, "POST", `/threads/${thread.thread_id}/runs/wait`, {
        agent_id: agentIds.echo,
        input: { text: "hi" },
      });
      expect(answer.status).toBe(200);
      const total = [...calls.counts.values()].reduce((a, b) => a + b, 0);
      expect(calls.of("runs.insert")).toBe(1);
      expect(calls.of("runs.update")).toBe(1);
      expect(total).toBeLessThanOrEqual(5);
      expect(calls.of("threads.release")).toBe(0);
      const shown = await raw(running.url, "GET", `/threads/${thread.thread_id}`);
      expect(shown.body).toMatchObject({ status: "idle" });
      expect(await store.threads.get(thread.thread_id)).not.toHaveProperty("busy_run_id");
    } finally {
      await running.close();
    }
  });

  it("stores the events of a run that is still executing, before it ends", async () => {
    const store = makeStore();
    const running = await startACPServer({ store });
    try {
      const created = await raw(running.url, "POST", "/runs", {
        agent_id: agentIds.slow,
        input: { text: "wait" },
        stream_mode: "custom",
      });
      expect(created.status).toBe(200);
      const runId = (created.body as { run_id: string }).run_id;
      await running.gate.waitForStarted(1);
      await vi.waitUntil(async () => (await store.runs.readEvents(runId, 0, 10)).length > 0);
      expect((await store.runs.get(runId))?.status).toBe("pending");
      const [first] = await store.runs.readEvents(runId, 0, 10);
      expect(first?.data).toMatchObject({ type: "custom", update: { phase: "started" } });
    } finally {
      running.gate.release();
      await running.close();
    }
  });
});
