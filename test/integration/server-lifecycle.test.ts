import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration, type RunStateless } from "../../src/index.js";
import { sqliteStore } from "../../src/server/index.js";
import {
  agentIds,
  raw,
  readSse,
  StreamReader,
  startACPServer,
  startWebhookReceiver,
} from "../helpers/server.js";

const clientFor = (url: string) =>
  new ACPClient({ configuration: new ApiClientConfiguration({ host: url }) });

describe("webhooks", () => {
  it("POSTs the run on each status change, retrying failed deliveries", async () => {
    const receiver = await startWebhookReceiver(2);
    const running = await startACPServer({ webhooks: { retries: 3, allowPrivateNetworks: true } });
    const client = clientFor(running.url);
    try {
      const { run } = await client.createAndWaitForStatelessRunOutput({
        agent_id: agentIds.echo,
        input: { text: "hook" },
        webhook: receiver.url,
      });
      await receiver.waitFor(2);
      const bodies = receiver.bodies as RunStateless[];
      expect(bodies.map((b) => [b.run_id, b.status])).toEqual([
        [run?.run_id, "pending"],
        [run?.run_id, "success"],
      ]);
      expect(bodies[1]?.creation.webhook).toBe(receiver.url);
      expect(receiver.attempts).toBe(4);
    } finally {
      await client.close();
      await running.close();
      await receiver.close();
    }
  });

  it("calls no webhook for an agent that does not declare callbacks", async () => {
    const receiver = await startWebhookReceiver();
    const running = await startACPServer();
    const client = clientFor(running.url);
    await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.plain,
      input: {},
      webhook: receiver.url,
    });
    await client.close();
    await running.close();
    expect(receiver.attempts).toBe(0);
    await receiver.close();
  });

  it("never blocks a run on a webhook that cannot be reached", async () => {
    const receiver = await startWebhookReceiver();
    const url = receiver.url;
    await receiver.close();
    const running = await startACPServer({ webhooks: { retries: 1, allowPrivateNetworks: true } });
    const client = clientFor(running.url);
    const { run } = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "x" },
      webhook: url,
    });
    expect(run?.status).toBe("success");
    await client.close();
    await running.close();
  });

  it("refuses a webhook that is not an http URL", async () => {
    const running = await startACPServer();
    const answer = await raw(running.url, "POST", "/runs", {
      input: { text: "x" },
      webhook: "ftp://x",
    });
    expect(answer.status).toBe(422);
    expect(answer.body).toContain("webhook");
    await running.close();
  });
});

describe("run scheduling", () => {
  it("stops a run that outlives runTimeoutMs with status timeout", async () => {
    const running = await startACPServer({ runTimeoutMs: 50 });
    const client = clientFor(running.url);
    try {
      const { run, output } = await client.createAndWaitForStatelessRunOutput({
        agent_id: agentIds.slow,
        input: { text: "forever" },
      });
      expect(run?.status).toBe("timeout");
      expect(output).toMatchObject({ type: "error", errcode: 504 });
    } finally {
      await client.close();
      await running.close();
    }
  });

  it("queues a run behind the busy one with multitask_strategy enqueue", async () => {
    const running = await startACPServer();
    const client = clientFor(running.url);
    try {
      const { thread_id } = await client.createThread({});
      const slow = await client.createThreadRun(thread_id, {
        agent_id: agentIds.slow,
        input: { text: "first" },
      });
      await running.gate.waitForStarted(1);
      const queued = await client.createThreadRun(thread_id, {
        agent_id: agentIds.echo,
        input: { text: "second" },
        multitask_strategy: "enqueue",
      });
      expect((await client.getThreadRun(thread_id, slow.run_id)).status).toBe("pending");
      expect((await client.getThreadRun(thread_id, queued.run_id)).status).toBe("pending");
      running.gate.release();
      const done = await client.waitForThreadRunOutput(thread_id, queued.run_id);
      expect(done.output).toMatchObject({ values: { history: ["first", "second"] } });
      expect((await client.getThreadRun(thread_id, slow.run_id)).status).toBe("success");
    } finally {
      await client.close();
      await running.close();
    }
  });

  it("starts a run after after_seconds, and a cancel during the delay stops it before it starts", async () => {
    const running = await startACPServer();
    const client = clientFor(running.url);
    try {
      const delayed = await client.createStatelessRun({
        agent_id: agentIds.slow,
        input: { text: "later" },
        after_seconds: 3600,
      });
      await client.cancelStatelessRun(delayed.run_id, true);
      expect((await client.getStatelessRun(delayed.run_id)).status).toBe("error");
      expect(running.gate.started).toBe(0);
    } finally {
      await client.close();
      await running.close();
    }
  });
});

describe("runs that are no longer executing", () => {
  it("are all found in the store, and an interrupted one resumes", async () => {
    const running = await startACPServer();
    const client = clientFor(running.url);
    try {
      const asked = await client.createAndWaitForStatelessRunOutput({
        agent_id: agentIds.interrupt,
        input: { topic: "kept" },
      });
      const ids: string[] = [];
      for (const text of ["a", "b", "c"]) {
        const { run } = await client.createAndWaitForStatelessRunOutput({ input: { text } });
        ids.push(run?.run_id as string);
      }
      const found = await client.searchStatelessRuns({ limit: 100 });
      expect(found.map((r) => r.run_id)).toEqual([asked.run?.run_id, ...ids]);
      await client.resumeStatelessRun(asked.run?.run_id as string, { answer: "still here" });
    } finally {
      await client.close();
      await running.close();
    }
  });
});

describe("graceful shutdown", () => {
  it("ends open streams, stops running runs and refuses new connections", async () => {
    const running = await startACPServer();
    const startedBefore = running.gate.started;
    const response = await fetch(`${running.url}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: agentIds.slow, input: { text: "x" } }),
    });
    const reader = new StreamReader(response);
    await running.gate.waitForStarted(startedBefore + 1);
    const abortedBefore = running.gate.aborted;
    await running.close();
    const { frames } = await readSse(new Response(await reader.rest()));
    expect(JSON.parse(frames.at(-1)?.data as string)).toMatchObject({
      type: "error",
      status: "error",
      errcode: 503,
    });
    expect(running.gate.aborted).toBe(abortedBefore + 1);
    await expect(
      fetch(`${running.url}/agents/search`, { method: "POST", body: "{}" }),
    ).rejects.toThrow();
  });
});

describe("persistence with SqliteSaver", () => {
  const dir = mkdtempSync(join(tmpdir(), "acp-server-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps threads, their metadata, state and history across a restart", async () => {
    const file = join(dir, "threads.sqlite");
    const first = await startACPServer({
      checkpointer: SqliteSaver.fromConnString(file),
      store: sqliteStore(file),
    });
    const client1 = clientFor(first.url);
    const thread = await client1.createThread({ metadata: { owner: "persisted" } });
    await client1.createAndWaitForThreadRunOutput(thread.thread_id, {
      agent_id: agentIds.echo,
      input: { text: "before" },
    });
    const interrupted = await client1.createThread({});
    await client1.createAndWaitForThreadRunOutput(interrupted.thread_id, {
      agent_id: agentIds.interrupt,
      input: { topic: "restart" },
    });
    const historyBefore = await client1.getThreadHistory(thread.thread_id, 100);
    await client1.close();
    await first.close();

    const second = await startACPServer({
      checkpointer: SqliteSaver.fromConnString(file),
      store: sqliteStore(file),
    });
    const client2 = clientFor(second.url);
    try {
      const again = await client2.getThread(thread.thread_id);
      expect(again.metadata).toEqual({ owner: "persisted" });
      expect(again.values).toMatchObject({ history: ["before"] });
      expect(
        (await client2.getThreadHistory(thread.thread_id, 100)).map((s) => s.checkpoint),
      ).toEqual(historyBefore.map((s) => s.checkpoint));
      expect((await client2.getThread(interrupted.thread_id)).status).toBe("interrupted");
      const found = await client2.searchThreads({ metadata: { owner: "persisted" } });
      expect(found.map((t) => t.thread_id)).toEqual([thread.thread_id]);
      const after = await client2.createAndWaitForThreadRunOutput(thread.thread_id, {
        agent_id: agentIds.echo,
        input: { text: "after" },
      });
      expect(after.output).toMatchObject({ values: { history: ["before", "after"] } });
    } finally {
      await client2.close();
      await second.close();
    }
  });
});
