import { describe, expect, it } from "vitest";
import type { RunOutputStream } from "../../src/index.js";
import { agentIds, useACPServer } from "../helpers/server.js";

const acp = useACPServer();

describe("load", () => {
  it("completes 200 concurrent stateless runs, each once, each with its own output", async () => {
    const tag = `load-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        acp.client.createAndWaitForStatelessRunOutput({
          agent_id: agentIds.echo,
          input: { text: `n${i}` },
          metadata: { tag, i },
        }),
      ),
    );
    expect(results.filter((r) => r.run?.status === "success")).toHaveLength(200);
    expect(new Set(results.map((r) => r.run?.run_id)).size).toBe(200);
    results.forEach((r, i) => {
      expect(r.output).toMatchObject({ type: "result", values: { reply: `echo: n${i}` } });
    });
    const listed = await acp.client.searchStatelessRuns({ metadata: { tag }, limit: 1000 });
    expect(listed).toHaveLength(200);
    expect(new Set(listed.map((r) => r.run_id))).toEqual(
      new Set(results.map((r) => r.run?.run_id)),
    );
  });

  it("completes 50 concurrent streams, each with all its events in order", async () => {
    const streams = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const events: RunOutputStream[] = [];
        for await (const e of acp.client.createAndStreamStatelessRunOutput({
          agent_id: agentIds.custom,
          input: { count: 3 },
        })) {
          events.push(e);
        }
        return events;
      }),
    );
    for (const events of streams) {
      expect(events.map((e) => e.id)).toEqual(["1", "2", "3", "4", "5"]);
      expect(events.map((e) => e.data.type)).toEqual([
        "values",
        "custom",
        "custom",
        "custom",
        "values",
      ]);
      expect(new Set(events.map((e) => e.data.run_id)).size).toBe(1);
      expect(events.at(-1)?.data.status).toBe("success");
    }
    expect(new Set(streams.map((events) => events[0]?.data.run_id)).size).toBe(50);
  });
});
