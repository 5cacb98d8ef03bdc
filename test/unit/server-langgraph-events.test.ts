import { AIMessageChunk } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { isLangGraphStreamUpdate } from "../../src/core/langgraph-stream.js";
import { langGraphUpdate } from "../../src/server/runs/langgraph-events.js";

describe("the envelope of a LangGraph stream chunk", () => {
  it("keeps of a message's metadata only JSON that says where it comes from", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const update = langGraphUpdate(
      "messages",
      ["inner:1"],
      [
        new AIMessageChunk({ content: "Hel", id: "m1" }),
        {
          langgraph_node: "talk",
          langgraph_step: 2,
          langgraph_path: ["__pregel_pull", "talk"],
          tags: ["t"],
          ls_provider: "openai",
          ls_stop: undefined,
          ls_weird: () => 1,
          ls_cycle: cycle,
          ls_big: 1n,
          thread_id: "t-1",
          api_key: "secret",
        },
      ],
    );
    expect(update).toEqual({
      langgraph: "messages",
      namespace: ["inner:1"],
      data: [
        expect.objectContaining({ type: "AIMessageChunk", content: "Hel", id: "m1" }),
        {
          langgraph_node: "talk",
          langgraph_step: 2,
          langgraph_path: ["__pregel_pull", "talk"],
          tags: ["t"],
          ls_provider: "openai",
        },
      ],
    });
    expect(isLangGraphStreamUpdate(update)).toBe(true);
  });

  it("leaves out an update that only reports an interrupt, and a chunk of no known shape", () => {
    expect(langGraphUpdate("updates", [], { __interrupt__: [{ id: "x", value: 1 }] })).toBe(
      undefined,
    );
    expect(langGraphUpdate("updates", [], { __interrupt__: [], node: { a: 1 } })).toEqual({
      langgraph: "updates",
      namespace: [],
      data: { node: { a: 1 } },
    });
    expect(langGraphUpdate("messages", [], ["not a message", {}])).toBe(undefined);
    expect(langGraphUpdate("updates", [], "text")).toBe(undefined);
  });
});
