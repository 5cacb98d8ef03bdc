/**
 * The server on its store, over real HTTP: what a client sends cannot poison the
 * records, a damaged record does not stop a start, rollback undoes only its own run,
 * and stateless runs that need no graph state write none.
 */
import { join } from "node:path";
import {
  Annotation,
  END,
  type LangGraphRunnableConfig,
  MemorySaver,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration, type RunOutput } from "../../src/index.js";
import { memoryStore, sqliteStore } from "../../src/server/index.js";
import { agentIds, memoryLogger, raw, serverScope, startACPServer } from "../helpers/server.js";
import { openRawDatabase } from "../helpers/sqlite-driver.js";

const { dir, servers, clients } = serverScope("acp-store-http-");

async function start(options: Parameters<typeof startACPServer>[0] = {}) {
  const server = await startACPServer(options);
  servers.push(server);
  const client = new ACPClient({ configuration: new ApiClientConfiguration({ host: server.url }) });
  clients.push(client);
  return { server, client };
}

/** `{ a: { a: ... { a: 1 } } }`, `depth` objects deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value as Record<string, unknown>;
}

/** The JSON text of `nested(depth)`: too deep for `JSON.stringify` on a small stack. */
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

const replyOf = (output: RunOutput | undefined) =>
  output?.type === "result" ? (output.values as { reply?: string }).reply : undefined;

describe("values nested deeper than the server allows", () => {
  it("are a 422 naming the field and the limit, before anything runs; searches still answer", async () => {
    const { server, client } = await start();
    const deep = nestedJson(5000);
    const input = '{"text":"x"}';
    const cases: Array<[string, string, string]> = [
      [
        "/runs/wait",
        `{"agent_id":"${agentIds.echo}","input":${input},"metadata":${deep}}`,
        "metadata",
      ],
      [
        "/runs",
        `{"agent_id":"${agentIds.echo}","input":{"text":"x","deep":${deep}}}`,
        "input.deep",
      ],
      ["/threads", `{"metadata":${deep}}`, "metadata"],
    ];
    const thread = await client.createThread({ metadata: { kept: true } });
    cases.push([
      `/threads/${thread.thread_id}/runs/wait`,
      `{"agent_id":"${agentIds.echo}","input":${input},"config":{"configurable":${deep}}}`,
      "config.configurable",
    ]);
    for (const [path, body, field] of cases) {
      const answer = await raw(server.url, "POST", path, body, {
        "content-type": "application/json",
      });
      expect(answer.status).toBe(422);
      expect(answer.body).toEqual(expect.stringContaining(`${field}.a.a`));
      expect(answer.body).toEqual(expect.stringContaining("maxDepth 64"));
    }

    expect(await client.searchStatelessRuns({ limit: 10 })).toEqual([]);
    expect((await client.searchThreads({})).map((t) => t.thread_id)).toEqual([thread.thread_id]);
    expect((await client.getThread(thread.thread_id)).status).toBe("idle");
    await client.deleteThread(thread.thread_id);
    expect(await client.searchThreads({})).toEqual([]);
  });

  it("in a resume payload are a 422, and the run still waits for a valid resume", async () => {
    const { server, client } = await start();
    const asked = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "deep resume" },
    });
    const runId = asked.run?.run_id as string;
    const refused = await raw(
      server.url,
      "POST",
      `/runs/${runId}`,
      `{"answer":"x","deep":${nestedJson(5000)}}`,
      {
        "content-type": "application/json",
      },
    );
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual(expect.stringContaining("body.deep.a.a"));
    expect((await client.getStatelessRun(runId)).status).toBe("interrupted");
    await client.resumeStatelessRun(runId, { answer: "fine" });
    const next = await client.waitForStatelessRunOutput(runId);
    expect(next.output).toMatchObject({ type: "interrupt", interrupt: { question: "second?" } });
  });

  it("accept what is within the configured limits, and a field larger than its limit is a 422", async () => {
    const { server, client } = await start({
      jsonLimits: { maxDepth: 8, maxMetadataBytes: 100 },
    });
    const done = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "fits" },
      metadata: nested(8),
    });
    expect(done.run?.status).toBe("success");
    const tooDeep = await raw(server.url, "POST", "/runs", {
      agent_id: agentIds.echo,
      input: { text: "x" },
      metadata: nested(9),
    });
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body).toBe(
      "metadata.a.a.a.a.a.a.a.a: nested deeper than the server allows (maxDepth 8)",
    );
    const tooLarge = await raw(server.url, "POST", "/runs", {
      agent_id: agentIds.echo,
      input: { text: "x" },
      metadata: { note: "n".repeat(200) },
    });
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body).toEqual(expect.stringContaining("maxMetadataBytes 100"));
    const found = await client.searchStatelessRuns({ limit: 10 });
    expect(found.map((r) => r.run_id)).toEqual([done.run?.run_id]);
  });
});

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

describe("rollback", () => {
  it("of a run a later run built on is refused with 422, and leaves the newer run's state", async () => {
    const { client } = await start();
    const thread = await client.createThread({});
    const first = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "first" },
    });
    const second = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "second" },
    });
    const historyBefore = await client.getThreadHistory(thread.thread_id, 100);
    const refused = client.cancelThreadRun(
      thread.thread_id,
      first.run?.run_id as string,
      true,
      "rollback",
    );
    await expect(refused).rejects.toMatchObject({ status: 422 });
    await expect(refused).rejects.toThrow(/after it/);

    expect((await client.getThread(thread.thread_id)).values).toMatchObject({
      reply: "echo: second",
      history: ["first", "second"],
    });
    expect(await client.getThreadHistory(thread.thread_id, 100)).toEqual(historyBefore);
    for (const run of [first, second]) {
      const kept = await client.getThreadRun(thread.thread_id, run.run?.run_id as string);
      expect(kept.status).toBe("success");
    }
  });

  it("of the latest run removes that run and only the checkpoints it wrote", async () => {
    const { client } = await start();
    const thread = await client.createThread({});
    const first = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "first" },
    });
    const historyAfterFirst = await client.getThreadHistory(thread.thread_id, 100);
    const second = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "second" },
    });
    await client.cancelThreadRun(thread.thread_id, second.run?.run_id as string, true, "rollback");

    await expect(
      client.getThreadRun(thread.thread_id, second.run?.run_id as string),
    ).rejects.toMatchObject({ status: 404 });
    expect((await client.getThread(thread.thread_id)).values).toMatchObject({
      reply: "echo: first",
      history: ["first"],
    });
    expect(await client.getThreadHistory(thread.thread_id, 100)).toEqual(historyAfterFirst);
    expect((await client.listThreadRuns(thread.thread_id)).map((r) => r.run_id)).toEqual([
      first.run?.run_id,
    ]);
  });

  it("is refused after the thread's state was patched on top of the run", async () => {
    const { client } = await start();
    const thread = await client.createThread({});
    const run = await client.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "base" },
    });
    await client.patchThread(thread.thread_id, { values: { reply: "patched" } });
    await expect(
      client.cancelThreadRun(thread.thread_id, run.run?.run_id as string, true, "rollback"),
    ).rejects.toMatchObject({ status: 422 });
    expect((await client.getThread(thread.thread_id)).values).toMatchObject({ reply: "patched" });
  });
});

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

describe("finished runs past finishedRunTtlMs", () => {
  it("are deleted with their events; executing and interrupted ones stay", async () => {
    const { server, client } = await start({ finishedRunTtlMs: 1 });
    const asked = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "stays" },
    });
    const done = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "goes" },
    });
    const running = await client.createStatelessRun({
      agent_id: agentIds.slow,
      input: { text: "s" },
    });
    await server.gate.waitForStarted(1);
    // The purge runs every second at the earliest: wait for it to take the finished run.
    for (let i = 0; i < 100; i += 1) {
      const found = await client.searchStatelessRuns({ limit: 10 });
      if (!found.some((r) => r.run_id === done.run?.run_id)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await expect(client.getStatelessRun(done.run?.run_id as string)).rejects.toMatchObject({
      status: 404,
    });
    expect((await client.getStatelessRun(asked.run?.run_id as string)).status).toBe("interrupted");
    expect((await client.getStatelessRun(running.run_id)).status).toBe("pending");
  });
});

describe("a full store", () => {
  it("answers 503 naming its limit, to a new run and to a new thread alike", async () => {
    const logger = memoryLogger();
    const { server } = await start({ store: memoryStore({ maxBytes: 60_000, logger }), logger });
    // Executing runs are never dropped to make room: a few with big inputs fill it.
    const create = () =>
      raw(server.url, "POST", "/runs", {
        agent_id: agentIds.slow,
        input: { text: "x".repeat(10_000) },
      });
    let answer = await create();
    for (let i = 0; i < 20 && answer.status === 200; i += 1) answer = await create();
    expect(answer.status).toBe(503);
    expect(answer.body).toMatch(/maxBytes/);
    const thread = await raw(server.url, "POST", "/threads", {
      metadata: { note: "y".repeat(10_000) },
    });
    expect(thread.status).toBe(503);
    expect(thread.body).toMatch(/maxBytes/);
    expect(logger.lines.some((l) => /failed/.test(l))).toBe(false);
  });
});

describe("an executing run's event log", () => {
  it("keeps at most maxEventLogBytes in memory and replays the older events from the store", async () => {
    let started!: () => void;
    const emitted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const State = Annotation.Root({ count: Annotation<number> });
    const graph = new StateGraph(State)
      .addNode("emit", async (state: typeof State.State, config: LangGraphRunnableConfig) => {
        for (let step = 1; step <= 50; step += 1) config.writer?.({ step });
        started();
        await gate;
        return { count: state.count };
      })
      .addEdge(START, "emit")
      .addEdge("emit", END)
      .compile();
    const { server } = await start({
      maxEventLogBytes: 1,
      agents: [
        {
          graph,
          agentId: "emitter",
          descriptor: {
            metadata: { ref: { name: "test.emitter", version: "1.0.0" }, description: "emits" },
            specs: {
              capabilities: {
                threads: false,
                interrupts: false,
                callbacks: false,
                streaming: { custom: true },
              },
              input: { type: "object" },
              output: { type: "object" },
              config: { type: "object" },
              custom_streaming_update: { type: "object" },
            },
          },
        },
      ],
    });
    const run = await raw(server.url, "POST", "/runs", {
      agent_id: "emitter",
      input: { count: 1 },
      stream_mode: ["custom"],
    });
    const runId = (run.body as { run_id: string }).run_id;
    await emitted;
    // Stored in the turns after they were appended; then only the store has them.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const joined = fetch(`${server.url}/runs/${runId}/stream`, {
      headers: { "last-event-id": "0" },
    }).then((answer) => answer.text());
    release();
    const text = await joined;
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    const steps = [...text.matchAll(/"step":\s*(\d+)/g)].map((m) => Number(m[1]));
    expect(steps).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
