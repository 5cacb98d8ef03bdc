import { describe, expect, it } from "vitest";
import { ACP_CUSTOM_EVENT } from "../../src/langgraph/index.js";
import { useACPNodeAgents } from "../helpers/acp-node-agents.js";
import { remoteJobGraph } from "../helpers/acp-node-parent.js";

const acp = useACPNodeAgents();

function graphOf(agentId: string) {
  return remoteJobGraph({ agentId, client: acp.client });
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const chunks: T[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe("ACPNode's remote events in LangGraph's shapes", () => {
  it("puts what the remote writer wrote on the custom stream, as a local node's writer would", async () => {
    const chunks = await collect(
      await graphOf(acp.agents.ids.steps).stream(
        { job: { input: { count: 3 } } },
        { streamMode: "custom" },
      ),
    );
    expect(chunks).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
  });

  it("puts the remote values under the node's namespace with subgraphs: true", async () => {
    acp.agents.flaky.failuresLeft = 0;
    const chunks = (await collect(
      await graphOf(acp.agents.ids.flaky).stream(
        { job: { input: { topic: "tea" } } },
        { streamMode: ["values"], subgraphs: true },
      ),
    )) as Array<[string[], string, unknown]>;
    const remote = chunks.filter(([ns]) => ns.length === 1);
    expect(remote.length).toBeGreaterThan(0);
    expect(remote.every(([ns, mode]) => ns[0]?.startsWith("remote:") && mode === "values")).toBe(
      true,
    );
    expect(remote.at(-1)?.[2]).toEqual({ topic: "tea", draft: "finally about tea" });
    // The parent's own values come without a namespace, as ever.
    expect(chunks.at(-1)).toEqual([
      [],
      "values",
      { job: { input: { topic: "tea" }, output: { topic: "tea", draft: "finally about tea" } } },
    ]);
  });

  it("leaves the remote values out without subgraphs", async () => {
    acp.agents.flaky.failuresLeft = 0;
    const chunks = await collect(
      await graphOf(acp.agents.ids.flaky).stream(
        { job: { input: { topic: "tea" } } },
        { streamMode: "values" },
      ),
    );
    expect(chunks).toEqual([
      { job: { input: { topic: "tea" } } },
      { job: { input: { topic: "tea" }, output: { topic: "tea", draft: "finally about tea" } } },
    ]);
  });

  it("shows the remote custom updates in streamEvents v2 as custom events of the node", async () => {
    const events = await collect(
      graphOf(acp.agents.ids.steps).streamEvents(
        { job: { input: { count: 2 } } },
        { version: "v2" },
      ),
    );
    const custom = events.filter((e) => e.event === "on_custom_event");
    expect(custom.map((e) => [e.name, e.data, e.metadata?.langgraph_node])).toEqual([
      [ACP_CUSTOM_EVENT, { step: 1 }, "remote"],
      [ACP_CUSTOM_EVENT, { step: 2 }, "remote"],
    ]);
  });
});
