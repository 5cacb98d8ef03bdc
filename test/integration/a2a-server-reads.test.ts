/**
 * What an A2A `SendMessage` costs the store, over real HTTP with `@a2a-js/sdk`'s client:
 * the SDK reads the task at each event of the request, and the task of the request's own
 * run is its record, so a blocking send reads no run from the store and writes what an
 * ACP run writes (its creation, then its end), whether it completes or asks for input.
 */
import { TaskState } from "@a2a-js/sdk";
import { describe, expect, it } from "vitest";
import { memoryStore } from "../../src/server/index.js";
import {
  a2aClient,
  asTask,
  data,
  outputData,
  request,
  statusData,
  userMessage,
} from "../helpers/a2a-server-agents.js";
import { countStoreCalls } from "../helpers/counting-store.js";
import { agentIds, startACPServer } from "../helpers/server.js";

describe("the store calls of a blocking A2A send", () => {
  it("read no run: the task is the record of the request's run", async () => {
    const store = memoryStore();
    const calls = countStoreCalls(store);
    const running = await startACPServer({ store });
    try {
      const echo = await a2aClient(running.url, agentIds.echo);
      for (let i = 0; i < 3; i++) {
        calls.reset();
        const task = asTask(await echo.sendMessage(request(userMessage([data({ text: `${i}` })]))));
        expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
        expect(outputData(task)).toMatchObject({ reply: `echo: ${i}` });
        expect(calls.of("runs.get")).toBe(0);
        expect(calls.of("runs.readEvents")).toBe(0);
        expect(calls.of("runs.insert")).toBe(1);
        expect(calls.of("runs.update")).toBe(1);
      }
      const interrupt = await a2aClient(running.url, agentIds.interrupt);
      calls.reset();
      const asked = asTask(
        await interrupt.sendMessage(request(userMessage([data({ topic: "owls" })]))),
      );
      expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
      expect(statusData(asked)).toEqual({
        interrupt_type: "question",
        question: "first about owls?",
      });
      expect(calls.of("runs.get")).toBe(0);
      expect(calls.of("runs.readEvents")).toBe(0);
    } finally {
      await running.close();
    }
  });
});
