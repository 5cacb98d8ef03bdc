import { join } from "node:path";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { describe, expect, it } from "vitest";
import {
  ACPClient,
  ApiClientConfiguration,
  NotFoundException,
  type RunOutput,
} from "../../src/index.js";
import {
  createACPServer,
  type ServeACPOptions,
  StoreUnavailableError,
  sqliteStore,
} from "../../src/server/index.js";
import { echoAgent } from "../helpers/graphs.js";
import { agentIds, raw, readSse, serverScope, startACPServer } from "../helpers/server.js";

const { dir, servers, clients } = serverScope("acp-runs-");

let files = 0;
/** A fresh SQLite file for one test's servers. */
const newFile = () => join(dir, `runs-${++files}.sqlite`);

/** A server on `file`, and a client for it. */
async function start(file: string, options: Partial<ServeACPOptions> = {}) {
  const server = await startACPServer({
    checkpointer: SqliteSaver.fromConnString(file),
    store: sqliteStore(file),
    ...options,
  });
  servers.push(server);
  const client = new ACPClient({ configuration: new ApiClientConfiguration({ host: server.url }) });
  clients.push(client);
  return { server, client };
}

/** Rejects with a 404 from the server. */
const notFound = (call: Promise<unknown>) => expect(call).rejects.toBeInstanceOf(NotFoundException);

const answers = (output: RunOutput | undefined) =>
  output?.type === "result" ? (output.values as { answers?: string[] }).answers : undefined;

describe("runs across a restart on the same SQLite file", () => {
  it("keeps a finished stateless run and a thread run: get, wait, search and list", async () => {
    const file = newFile();
    const first = await start(file);
    const done = await first.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "before" },
      metadata: { case: "finished" },
    });
    const statelessId = done.run?.run_id as string;
    const thread = await first.client.createThread({});
    const onThread = await first.client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "on the thread" },
    });
    const threadRunId = onThread.run?.run_id as string;
    await first.server.close();

    const { client } = await start(file);
    const run = await client.getStatelessRun(statelessId);
    expect(run).toMatchObject({ run_id: statelessId, agent_id: agentIds.echo, status: "success" });
    expect(run.created_at).toEqual(done.run?.created_at);
    const waited = await client.waitForStatelessRunOutput(statelessId);
    expect(waited.output).toMatchObject({ type: "result", values: { reply: "echo: before" } });
    const byMetadata = await client.searchStatelessRuns({ metadata: { case: "finished" } });
    expect(byMetadata.map((r) => r.run_id)).toEqual([statelessId]);
    const byStatus = await client.searchStatelessRuns({
      agent_id: agentIds.echo,
      status: "success",
    });
    expect(byStatus.map((r) => r.run_id)).toEqual([statelessId]);
    expect(await client.searchStatelessRuns({ status: "error" })).toEqual([]);

    expect(await client.getThreadRun(thread.thread_id, threadRunId)).toMatchObject({
      thread_id: thread.thread_id,
      status: "success",
    });
    const listed = await client.listThreadRuns(thread.thread_id);
    expect(listed.map((r) => r.run_id)).toEqual([threadRunId]);
    const threadWaited = await client.waitForThreadRunOutput(thread.thread_id, threadRunId);
    expect(threadWaited.output).toMatchObject({ values: { reply: "echo: on the thread" } });
    await notFound(client.getThreadRun(thread.thread_id, statelessId));
    await notFound(client.getStatelessRun(threadRunId));
  });

  it("keeps a stateless run whose graph thread was deleted on completion", async () => {
    const file = newFile();
    const first = await start(file);
    const { run } = await first.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "gone" },
      on_completion: "delete",
    });
    const runId = run?.run_id as string;
    await first.server.close();

    const saver = SqliteSaver.fromConnString(file);
    expect(await saver.getTuple({ configurable: { thread_id: runId } })).toBeUndefined();
    saver.db.close();
    const { client } = await start(file);
    expect((await client.getStatelessRun(runId)).status).toBe("success");
  });

  it("resumes an interrupted stateless run to success under the same run id", async () => {
    const file = newFile();
    const first = await start(file);
    const asked = await first.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "restarts" },
    });
    expect(asked.run?.status).toBe("interrupted");
    const runId = asked.run?.run_id as string;
    const before = await raw(first.server.url, "GET", `/runs/${runId}/stream`, undefined, {
      "last-event-id": "0",
    });
    const eventsBefore = (await readSse(new Response(before.text))).frames.length;
    expect(eventsBefore).toBeGreaterThan(0);
    await first.server.close();

    const { server, client } = await start(file);
    expect((await client.getStatelessRun(runId)).status).toBe("interrupted");
    const resumed = await client.resumeStatelessRun(runId, { answer: "one" });
    expect(resumed.run_id).toBe(runId);
    const second = await client.waitForStatelessRunOutput(runId);
    expect(second.run?.status).toBe("interrupted");
    expect(second.output).toMatchObject({ type: "interrupt", interrupt: { question: "second?" } });

    // The store kept every event: joining from 0 replays the ones sent before the
    // restart too, then those of the resumed leg, whose ids continue the count.
    const joined = await raw(server.url, "GET", `/runs/${runId}/stream`, undefined, {
      "last-event-id": "0",
    });
    const frames = (await readSse(new Response(joined.text))).frames;
    const ids = frames.map((f) => Number(f.id));
    expect(ids.length).toBeGreaterThan(eventsBefore);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(frames.slice(0, eventsBefore).map((f) => f.data)).toEqual(
      (await readSse(new Response(before.text))).frames.map((f) => f.data),
    );

    await client.resumeStatelessRun(runId, { answer: "two" });
    const finished = await client.waitForStatelessRunOutput(runId);
    expect(finished.run).toMatchObject({ run_id: runId, status: "success" });
    expect(answers(finished.output)).toEqual(["one", "two"]);
  });

  it("resumes an interrupted thread run to success under the same run id", async () => {
    const file = newFile();
    const first = await start(file);
    const thread = await first.client.createThread({});
    const asked = await first.client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.interrupt,
      input: { topic: "threads" },
    });
    const runId = asked.run?.run_id as string;
    await first.server.close();

    const { client } = await start(file);
    expect((await client.getThread(thread.thread_id)).status).toBe("interrupted");
    await client.resumeThreadRun(thread.thread_id, runId, { answer: "a" });
    await client.waitForThreadRunOutput(thread.thread_id, runId);
    await client.resumeThreadRun(thread.thread_id, runId, { answer: "b" });
    const finished = await client.waitForThreadRunOutput(thread.thread_id, runId);
    expect(finished.run).toMatchObject({ run_id: runId, status: "success" });
    expect(answers(finished.output)).toEqual(["a", "b"]);
    expect((await client.getThread(thread.thread_id)).status).toBe("idle");
    expect((await client.listThreadRuns(thread.thread_id)).map((r) => r.run_id)).toEqual([runId]);
  });

  it("refuses to resume a thread's earlier run after a later one, also after a restart", async () => {
    const file = newFile();
    const first = await start(file);
    const thread = await first.client.createThread({});
    const asked = await first.client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.interrupt,
      input: { topic: "superseded" },
    });
    await first.client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "later" },
    });
    await first.server.close();

    const { client } = await start(file);
    const resume = client.resumeThreadRun(thread.thread_id, asked.run?.run_id as string, {
      answer: "late",
    });
    await expect(resume).rejects.toMatchObject({ status: 409 });
  });

  it("shows a run stopped by a graceful shutdown in error with errcode 503", async () => {
    const file = newFile();
    const first = await start(file);
    const run = await first.client.createStatelessRun({
      agent_id: agentIds.slow,
      input: { text: "cut" },
    });
    await first.server.gate.waitForStarted(1);
    await first.server.close();

    const { client } = await start(file);
    const waited = await client.waitForStatelessRunOutput(run.run_id);
    expect(waited.run?.status).toBe("error");
    expect(waited.output).toMatchObject({ type: "error", errcode: 503 });
  });

  it("ends runs left pending by a server that never closed in error, errcode 503", async () => {
    const file = newFile();
    const crashed = await start(file);
    const stateless = await crashed.client.createStatelessRun({
      agent_id: agentIds.slow,
      input: { text: "lost" },
    });
    const thread = await crashed.client.createThread({});
    const onThread = await crashed.client.createThreadRun(thread.thread_id, {
      agent_id: agentIds.slow,
      input: { text: "lost too" },
    });
    await crashed.server.gate.waitForStarted(2);

    // The first server is left running, as a crashed process leaves its file.
    const { client } = await start(file);
    const expected = {
      type: "error",
      errcode: 503,
      description: "the server stopped while the run was executing",
    };
    expect((await client.getStatelessRun(stateless.run_id)).status).toBe("error");
    const waited = await client.waitForStatelessRunOutput(stateless.run_id);
    expect(waited.run?.status).toBe("error");
    expect(waited.output).toMatchObject(expected);
    const threadWaited = await client.waitForThreadRunOutput(thread.thread_id, onThread.run_id);
    expect(threadWaited.run?.status).toBe("error");
    expect(threadWaited.output).toMatchObject(expected);
    expect((await client.getThread(thread.thread_id)).status).toBe("error");
    expect(await client.searchStatelessRuns({ status: "pending" })).toEqual([]);
  });
});

describe("finished runs", () => {
  it("are read back from the store: get, wait and search find all of them", async () => {
    const { client } = await start(newFile());
    const ids: string[] = [];
    for (const text of ["1", "2", "3", "4", "5"]) {
      const { run } = await client.createAndWaitForStatelessRunOutput({
        agent_id: agentIds.echo,
        input: { text },
      });
      ids.push(run?.run_id as string);
    }
    for (const [i, id] of ids.entries()) {
      expect((await client.getStatelessRun(id)).status).toBe("success");
      const { output } = await client.waitForStatelessRunOutput(id);
      expect(output).toMatchObject({ values: { reply: `echo: ${i + 1}` } });
    }
    const found = await client.searchStatelessRuns({ agent_id: agentIds.echo, limit: 100 });
    expect(found.map((r) => r.run_id)).toEqual(ids);
    const page = await client.searchStatelessRuns({ agent_id: agentIds.echo, limit: 2, offset: 1 });
    expect(page.map((r) => r.run_id)).toEqual(ids.slice(1, 3));
  });
});

describe("removing runs", () => {
  it("deletes a run from storage: it stays gone after a restart", async () => {
    const file = newFile();
    const first = await start(file);
    const ids: string[] = [];
    for (const text of ["kept", "deleted"]) {
      const { run } = await first.client.createAndWaitForStatelessRunOutput({
        agent_id: agentIds.echo,
        input: { text },
      });
      ids.push(run?.run_id as string);
    }
    const [kept, deleted] = ids as [string, string];
    await first.client.deleteStatelessRun(deleted);
    await notFound(first.client.getStatelessRun(deleted));
    await first.server.close();

    const { client } = await start(file);
    await notFound(client.getStatelessRun(deleted));
    expect((await client.searchStatelessRuns({ limit: 100 })).map((r) => r.run_id)).toEqual([kept]);
  });

  it("removes a rolled-back run and the runs of a deleted thread from storage", async () => {
    const file = newFile();
    const first = await start(file);
    const thread = await first.client.createThread({});
    const finished = await first.client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "stays" },
    });
    const rolledBack = await first.client.createThreadRun(thread.thread_id, {
      agent_id: agentIds.slow,
      input: { text: "undone" },
    });
    await first.server.gate.waitForStarted(1);
    await first.client.cancelThreadRun(thread.thread_id, rolledBack.run_id, true, "rollback");
    await notFound(first.client.getThreadRun(thread.thread_id, rolledBack.run_id));
    const other = await first.client.createThread({});
    const onOther = await first.client.createAndWaitForThreadRunOutput(other.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "deleted with its thread" },
    });
    await first.client.deleteThread(other.thread_id);
    await first.server.close();

    const { client } = await start(file);
    await notFound(client.getThreadRun(thread.thread_id, rolledBack.run_id));
    expect((await client.listThreadRuns(thread.thread_id)).map((r) => r.run_id)).toEqual([
      finished.run?.run_id,
    ]);
    await notFound(client.getThreadRun(other.thread_id, onOther.run?.run_id as string));
  });
});

describe("a store that cannot be opened", () => {
  it("fails serveACP at start, and answers every request of a bare app with a 500", async () => {
    const options = { agents: [echoAgent()], logger: { warn: () => undefined } };
    const unopenable = () => sqliteStore(join(dir, "no-such-dir", "runs.sqlite"));
    await expect(startACPServer({ store: unopenable() })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    const server = createACPServer({ ...options, store: unopenable() });
    const response = await server.fetch(
      new Request("http://acp.test/agents/search", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(response.status).toBe(500);
    await server.close();
  });
});
