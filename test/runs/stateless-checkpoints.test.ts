/**
 * Which stateless runs write graph state: none for an agent without interrupts, unless
 * the run is kept or may resume.
 */
import { MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import type { RunOutput } from "../../src/index.js";
import { agentIds, serverScope } from "../helpers/server.js";

const { start } = serverScope("acp-stateless-checkpoints-");

const replyOf = (output: RunOutput | undefined) =>
  output?.type === "result" ? (output.values as { reply?: string }).reply : undefined;

describe("stateless runs and checkpoints", () => {
  /** A checkpointer that counts what it is asked to write. */
  class CountingSaver extends MemorySaver {
    puts = 0;
    override async put(...args: Parameters<MemorySaver["put"]>) {
      this.puts += 1;
      return super.put(...args);
    }
  }

  it("write none for an agent without interrupts; runs that may resume still do", async () => {
    const saver = new CountingSaver();
    const { client } = await start({ checkpointer: saver });
    const plain = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.plain,
      input: { text: "no state" },
    });
    expect(replyOf(plain.output)).toBe("echo: no state");
    expect(saver.puts).toBe(0);
    const kept = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.plain,
      input: { text: "kept" },
      on_completion: "keep",
    });
    expect(replyOf(kept.output)).toBe("echo: kept");
    expect(saver.puts).toBeGreaterThan(0);
    const before = saver.puts;
    const asked = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "checkpoints" },
    });
    expect(asked.run?.status).toBe("interrupted");
    expect(saver.puts).toBeGreaterThan(before);
  });
});
