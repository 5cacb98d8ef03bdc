/**
 * What a thread run reads of its thread's graph state: the checkpointer's latest
 * checkpoint is read a fixed number of times per run, however long the thread grows,
 * and the thread's state, interrupts and status stay what they were.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import { MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { agentIds, raw, startACPServer } from "../helpers/server.js";

/** A MemorySaver that counts its `getTuple` calls. */
class CountingSaver extends MemorySaver {
  reads = 0;
  override getTuple(config: RunnableConfig) {
    this.reads++;
    return super.getTuple(config);
  }
}

interface RunAnswer {
  run: { run_id: string; status: string };
  output: { type: string; values?: unknown; interrupts?: Array<{ id: string }> };
}

describe("the graph state a thread run reads", () => {
  it("reads the thread's latest checkpoint three times per run at most, on a thread that grows", async () => {
    const saver = new CountingSaver();
    const running = await startACPServer({ checkpointer: saver });
    try {
      const thread = (await raw(running.url, "POST", "/threads", {})).body as {
        thread_id: string;
      };
      const perRun: number[] = [];
      for (let i = 0; i < 8; i++) {
        saver.reads = 0;
        const answer = await raw(running.url, "POST", `/threads/${thread.thread_id}/runs/wait`, {
          agent_id: agentIds.echo,
          input: { text: `hi ${i}` },
        });
        expect(answer.status).toBe(200);
        const body = answer.body as RunAnswer;
        expect(body.run.status).toBe("success");
        expect(body.output).toMatchObject({ type: "result", values: { reply: `echo: hi ${i}` } });
        perRun.push(saver.reads);
      }
      // The graph's own read, the run's baseline and its head at the end, whatever the length.
      expect(Math.max(...perRun)).toBeLessThanOrEqual(3);
      const shown = await raw(running.url, "GET", `/threads/${thread.thread_id}`);
      expect(shown.body).toMatchObject({ status: "idle", values: { reply: "echo: hi 7" } });
    } finally {
      await running.close();
    }
  });

  it("reads as few times for a run that stops at an interrupt, which still shows it with its id", async () => {
    const saver = new CountingSaver();
    const running = await startACPServer({ checkpointer: saver });
    try {
      const thread = (await raw(running.url, "POST", "/threads", {})).body as {
        thread_id: string;
      };
      saver.reads = 0;
      const answer = await raw(running.url, "POST", `/threads/${thread.thread_id}/runs/wait`, {
        agent_id: agentIds.interrupt,
        input: { text: "ask" },
      });
      expect(answer.status).toBe(200);
      const body = answer.body as RunAnswer;
      expect(body.run.status).toBe("interrupted");
      expect(body.output.type).toBe("interrupt");
      expect(body.output.interrupts?.[0]?.id).toEqual(expect.any(String));
      expect(saver.reads).toBeLessThanOrEqual(3);
      const shown = await raw(running.url, "GET", `/threads/${thread.thread_id}`);
      expect(shown.body).toMatchObject({ status: "interrupted" });
    } finally {
      await running.close();
    }
  });
});
