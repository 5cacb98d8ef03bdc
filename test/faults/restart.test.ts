import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteStore } from "../../src/server/index.js";
import {
  type FaultServer,
  faultAgentIds,
  faultClient,
  startFaultServer,
} from "../helpers/fault-servers.js";
import { createGate } from "../helpers/graphs.js";

const dir = mkdtempSync(join(tmpdir(), "acp-faults-"));
const started: FaultServer[] = [];
afterAll(async () => {
  for (const server of started) await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(file: string): Promise<FaultServer> {
  const server = await startFaultServer(
    { checkpointer: SqliteSaver.fromConnString(file), store: sqliteStore(file) },
    createGate(),
  );
  started.push(server);
  return server;
}

describe("a server stopped mid-run and started again on the same SQLite file", () => {
  it("still has the thread and the state its finished runs left, and runs on it again", async () => {
    const file = join(dir, "threads.sqlite");
    const first = await start(file);
    const client1 = faultClient(first.url);
    const thread = await client1.createThread({ metadata: { case: "restart" } });
    await client1.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: faultAgentIds.echo,
      input: { text: "before" },
    });
    const midRun = await client1.createThreadRun(thread.thread_id, {
      agent_id: faultAgentIds.slow,
      input: { text: "cut short" },
    });
    await first.gate.waitForStarted(1);
    expect((await client1.getThread(thread.thread_id)).status).toBe("busy");
    await first.close();
    expect(midRun.status).toBe("pending");

    const second = await start(file);
    const client2 = faultClient(second.url);
    const again = await client2.getThread(thread.thread_id);
    expect(again.metadata).toEqual({ case: "restart" });
    expect(again.values).toMatchObject({ reply: "echo: before", history: ["before"] });
    expect(again.status).not.toBe("busy");
    const after = await client2.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: faultAgentIds.echo,
      input: { text: "after" },
    });
    expect(after.run?.status).toBe("success");
    expect(after.output).toMatchObject({ values: { history: ["before", "after"] } });
  });
});
