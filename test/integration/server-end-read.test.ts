/**
 * A run's end is shown by the server that executes it only once stored, and another
 * replica may show it as soon as it is stored: in the moment between, a read on the
 * executing server waits for the end instead of answering `pending`.
 */
import { describe, expect, it } from "vitest";
import { memoryStore } from "../../src/server/index.js";
import { agentIds, raw, startACPServer } from "../helpers/server.js";

describe("a run read while its end is being stored", () => {
  it("answers the end that the store holds, not pending, on the server that executes it", async () => {
    const store = memoryStore();
    const update = store.runs.update.bind(store.runs);
    // The store's answer to a run's end write is held back, the end stored already.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let endStored = () => {};
    const stored = new Promise<void>((resolve) => (endStored = resolve));
    store.runs.update = async (...args: Parameters<typeof update>) => {
      const written = await update(...args);
      if (args[0].status !== "pending") {
        endStored();
        await held;
      }
      return written;
    };
    const running = await startACPServer({ store });
    try {
      const created = await raw(running.url, "POST", "/runs", {
        agent_id: agentIds.slow,
        input: { text: "x" },
      });
      const runId = (created.body as { run_id: string }).run_id;
      await raw(running.url, "POST", `/runs/${runId}/cancel`, { action: "interrupt" });
      await stored;
      expect((await store.runs.get(runId))?.status).toBe("error");
      const read = raw(running.url, "GET", `/runs/${runId}`);
      const listed = raw(running.url, "POST", "/runs/search", { agent_id: agentIds.slow });
      // The listing reads the store, which holds the end: it shows it at once.
      const list = (await listed).body as Array<{ run_id: string; status: string }>;
      expect(list.find((r) => r.run_id === runId)?.status).toBe("error");
      let answered = false;
      void read.then(() => (answered = true));
      // Waits for nothing: it checks that the read is not answered within 50 ms,
      // while the run's end is still held back from its record.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(answered).toBe(false);
      release();
      const answer = await read;
      expect(answer.status).toBe(200);
      expect((answer.body as { status: string }).status).toBe("error");
    } finally {
      release();
      running.gate.release();
      await running.close();
    }
  });
});
