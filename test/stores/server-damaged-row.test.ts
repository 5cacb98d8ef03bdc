/**
 * The server on a SQLite store with a damaged row, over real HTTP: the row is logged
 * and skipped, and the rest of the store is recovered when the server starts.
 */
import { join } from "node:path";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { describe, expect, it } from "vitest";
import type { RunOutput } from "../../src/index.js";
import { sqliteStore } from "../../src/server/index.js";
import { agentIds, memoryLogger, serverScope } from "../helpers/server.js";
import { openRawDatabase } from "../helpers/sqlite-driver.js";

const { dir, start } = serverScope("acp-damaged-row-");

const replyOf = (output: RunOutput | undefined) =>
  output?.type === "result" ? (output.values as { reply?: string }).reply : undefined;

describe("a damaged store row", () => {
  it("does not stop serveACP from starting: it is logged and skipped, the rest recovered", async () => {
    const file = join(dir, "damaged.sqlite");
    const logger = memoryLogger();
    const onFile = () => ({
      checkpointer: SqliteSaver.fromConnString(file),
      store: sqliteStore(file, { logger }),
      logger,
    });
    // A server that never closes, as a crashed process leaves its file.
    const crashed = await start(onFile());
    const finished = await crashed.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "kept" },
    });
    const poisoned = await crashed.client.createStatelessRun({
      agent_id: agentIds.slow,
      input: { text: "truncated" },
    });
    const truncatedThread = await crashed.client.createThread({ metadata: { group: "g" } });
    const recoverable = await crashed.client.createStatelessRun({
      agent_id: agentIds.slow,
      input: { text: "recovered" },
    });
    const thread = await crashed.client.createThread({ metadata: { group: "g" } });
    await crashed.server.gate.waitForStarted(2);
    const db = openRawDatabase(file);
    db.prepare("UPDATE acp_runs SET record = substr(record, 1, 30) WHERE run_id = ?").run(
      poisoned.run_id,
    );
    db.prepare("UPDATE acp_threads SET record = '{\"thread_id\": 1' WHERE thread_id = ?").run(
      truncatedThread.thread_id,
    );
    db.close();

    logger.lines.length = 0;
    const { client } = await start(onFile());
    expect(logger.lines).toEqual(
      expect.arrayContaining([expect.stringContaining(`run ${poisoned.run_id} is unreadable`)]),
    );
    const recovered = await client.waitForStatelessRunOutput(recoverable.run_id);
    expect(recovered.run?.status).toBe("error");
    expect(recovered.output).toMatchObject({ type: "error", errcode: 503 });
    expect(
      replyOf((await client.waitForStatelessRunOutput(finished.run?.run_id as string)).output),
    ).toBe("echo: kept");
    await expect(client.getStatelessRun(poisoned.run_id)).rejects.toMatchObject({ status: 404 });
    const searched = await client.searchStatelessRuns({ limit: 10 });
    expect(searched.map((r) => r.run_id)).toEqual([finished.run?.run_id, recoverable.run_id]);
    const threads = await client.searchThreads({ metadata: { group: "g" } });
    expect(threads.map((t) => t.thread_id)).toEqual([thread.thread_id]);
  });
});
