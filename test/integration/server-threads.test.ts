import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ConflictException,
  NotFoundException,
  type RunOutputStream,
  UnprocessableEntityException,
} from "../../src/index.js";
import { agentIds, useACPServer } from "../helpers/server.js";

const acp = useACPServer();

async function echoOn(threadId: string, text: string) {
  return acp.client.createAndWaitForThreadRunOutput(threadId, {
    agent_id: agentIds.echo,
    input: { text },
  });
}

describe("threads", () => {
  it("creates a thread with a given id and metadata; a second create is a 409 or the same thread", async () => {
    const threadId = randomUUID();
    const thread = await acp.client.createThread({
      thread_id: threadId,
      metadata: { owner: "ana" },
    });
    expect(thread).toMatchObject({
      thread_id: threadId,
      metadata: { owner: "ana" },
      status: "idle",
    });
    expect(thread.values).toBeUndefined();
    await expect(acp.client.createThread({ thread_id: threadId })).rejects.toBeInstanceOf(
      ConflictException,
    );
    const same = await acp.client.createThread({ thread_id: threadId, if_exists: "do_nothing" });
    expect(same.created_at).toBe(thread.created_at);
    expect(same.metadata).toEqual({ owner: "ana" });
  });

  it("creates a thread with a random UUID when none is given", async () => {
    const thread = await acp.client.createThread({});
    expect(thread.thread_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("keeps state across runs and shows it in get, history and values", async () => {
    const { thread_id } = await acp.client.createThread({});
    const first = await echoOn(thread_id, "one");
    expect(first.run?.thread_id).toBe(thread_id);
    expect(first.output).toMatchObject({ values: { history: ["one"] } });
    const second = await echoOn(thread_id, "two");
    expect(second.output).toMatchObject({
      values: { reply: "echo: two", history: ["one", "two"] },
    });

    const thread = await acp.client.getThread(thread_id);
    expect(thread.status).toBe("idle");
    expect(thread.values).toMatchObject({ history: ["one", "two"] });

    const history = await acp.client.getThreadHistory(thread_id, 3);
    expect(history).toHaveLength(3);
    expect(history[0]?.values).toMatchObject({ history: ["one", "two"] });
    const ids = history.map((s) => s.checkpoint.checkpoint_id);
    expect(new Set(ids).size).toBe(3);
    const older = await acp.client.getThreadHistory(thread_id, 10, ids[0]);
    expect(older[0]?.checkpoint.checkpoint_id).toBe(ids[1]);
    const all = await acp.client.getThreadHistory(thread_id, 100);
    expect(all.length).toBeGreaterThan(history.length);
  });

  it("lists, gets and deletes the runs of a thread", async () => {
    const { thread_id } = await acp.client.createThread({});
    const a = await echoOn(thread_id, "a");
    const b = await echoOn(thread_id, "b");
    const runs = await acp.client.listThreadRuns(thread_id);
    expect(runs.map((r) => r.run_id)).toEqual([a.run?.run_id, b.run?.run_id]);
    expect(await acp.client.listThreadRuns(thread_id, 1, 1)).toHaveLength(1);
    const got = await acp.client.getThreadRun(thread_id, a.run?.run_id as string);
    expect(got).toMatchObject({ status: "success", thread_id });
    await acp.client.deleteThreadRun(thread_id, a.run?.run_id as string);
    await expect(
      acp.client.getThreadRun(thread_id, a.run?.run_id as string),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      acp.client.getThreadRun(randomUUID(), b.run?.run_id as string),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it("creates a background thread run and waits for it", async () => {
    const { thread_id } = await acp.client.createThread({});
    const run = await acp.client.createThreadRun(thread_id, {
      agent_id: agentIds.echo,
      input: { text: "bg" },
    });
    expect(run.status).toBe("pending");
    const waited = await acp.client.waitForThreadRunOutput(thread_id, run.run_id);
    expect(waited.output).toMatchObject({ values: { reply: "echo: bg" } });
  });

  it("streams a thread run", async () => {
    const { thread_id } = await acp.client.createThread({});
    const events: RunOutputStream[] = [];
    for await (const e of acp.client.createAndStreamThreadRunOutput(thread_id, {
      agent_id: agentIds.custom,
      input: { count: 2 },
    })) {
      events.push(e);
    }
    expect(events.map((e) => e.data.type)).toEqual(["values", "custom", "custom", "values"]);
    expect(events.at(-1)?.data).toMatchObject({ status: "success", values: { count: 2 } });
  });

  it("interrupts twice on a thread and resumes the same run", async () => {
    const { thread_id } = await acp.client.createThread({});
    const first = await acp.client.createAndWaitForThreadRunOutput(thread_id, {
      agent_id: agentIds.interrupt,
      input: { topic: "dogs" },
    });
    const runId = first.run?.run_id as string;
    expect(first.output).toMatchObject({
      type: "interrupt",
      interrupt: { question: "first about dogs?" },
    });
    expect((await acp.client.getThread(thread_id)).status).toBe("interrupted");
    await acp.client.resumeThreadRun(thread_id, runId, { answer: "1" });
    const second = await acp.client.waitForThreadRunOutput(thread_id, runId);
    expect(second.output).toMatchObject({ type: "interrupt", interrupt: { question: "second?" } });
    const resumed = await acp.client.resumeThreadRun(thread_id, runId, { answer: "2" });
    expect(resumed.run_id).toBe(runId);
    const done = await acp.client.waitForThreadRunOutput(thread_id, runId);
    expect(done.run?.status).toBe("success");
    expect(done.output).toMatchObject({ values: { answers: ["1", "2"] } });
    expect((await acp.client.getThread(thread_id)).status).toBe("idle");
  });

  it("refuses to resume an interrupt that a later run on the thread left behind", async () => {
    const { thread_id } = await acp.client.createThread({});
    const asked = await acp.client.createAndWaitForThreadRunOutput(thread_id, {
      agent_id: agentIds.interrupt,
      input: { topic: "old" },
    });
    await echoOn(thread_id, "moved on");
    await expect(
      acp.client.resumeThreadRun(thread_id, asked.run?.run_id as string, { answer: "late" }),
    ).rejects.toBeInstanceOf(ConflictException);
  });

  it("rejects a run on a busy thread with 409, refuses to delete it with 422, then cancels the busy run", async () => {
    const { thread_id } = await acp.client.createThread({});
    const startedBefore = acp.running.gate.started;
    const slow = await acp.client.createThreadRun(thread_id, {
      agent_id: agentIds.slow,
      input: { text: "s" },
    });
    await acp.running.gate.waitForStarted(startedBefore + 1);
    expect((await acp.client.getThread(thread_id)).status).toBe("busy");
    await expect(echoOn(thread_id, "no")).rejects.toBeInstanceOf(ConflictException);
    await expect(
      acp.client.createThreadRun(thread_id, {
        agent_id: agentIds.echo,
        input: { text: "x" },
        multitask_strategy: "reject",
      }),
    ).rejects.toBeInstanceOf(ConflictException);
    await expect(acp.client.deleteThread(thread_id)).rejects.toBeInstanceOf(
      UnprocessableEntityException,
    );
    await acp.client.cancelThreadRun(thread_id, slow.run_id, true, "interrupt");
    expect((await acp.client.getThreadRun(thread_id, slow.run_id)).status).toBe("error");
    const after = await echoOn(thread_id, "yes");
    expect(after.run?.status).toBe("success");
    await acp.client.deleteThread(thread_id);
    await expect(acp.client.getThread(thread_id)).rejects.toBeInstanceOf(NotFoundException);
  });

  it("interrupts the busy run with multitask_strategy interrupt", async () => {
    const { thread_id } = await acp.client.createThread({});
    const startedBefore = acp.running.gate.started;
    const slow = await acp.client.createThreadRun(thread_id, {
      agent_id: agentIds.slow,
      input: { text: "s" },
    });
    await acp.running.gate.waitForStarted(startedBefore + 1);
    const next = await acp.client.createAndWaitForThreadRunOutput(thread_id, {
      agent_id: agentIds.echo,
      input: { text: "next" },
      multitask_strategy: "interrupt",
    });
    expect(next.run?.status).toBe("success");
    expect((await acp.client.getThreadRun(thread_id, slow.run_id)).status).toBe("error");
  });

  it("rolls back a thread run: the run and its checkpoints are gone", async () => {
    const { thread_id } = await acp.client.createThread({});
    await echoOn(thread_id, "kept");
    const before = await acp.client.getThreadHistory(thread_id, 100);
    const startedBefore = acp.running.gate.started;
    const slow = await acp.client.createThreadRun(thread_id, {
      agent_id: agentIds.slow,
      input: { text: "gone" },
    });
    await acp.running.gate.waitForStarted(startedBefore + 1);
    await acp.client.cancelThreadRun(thread_id, slow.run_id, true, "rollback");
    await expect(acp.client.getThreadRun(thread_id, slow.run_id)).rejects.toBeInstanceOf(
      NotFoundException,
    );
    const after = await acp.client.getThreadHistory(thread_id, 100);
    expect(after.map((s) => s.checkpoint.checkpoint_id)).toEqual(
      before.map((s) => s.checkpoint.checkpoint_id),
    );
    expect((await acp.client.getThread(thread_id)).values).toMatchObject({ history: ["kept"] });
  });

  it("answers 404 for runs on a missing thread, or creates it with if_not_exists", async () => {
    const missing = randomUUID();
    await expect(echoOn(missing, "x")).rejects.toBeInstanceOf(NotFoundException);
    const created = await acp.client.createAndWaitForThreadRunOutput(missing, {
      agent_id: agentIds.echo,
      input: { text: "made" },
      if_not_exists: "create",
    });
    expect(created.run?.status).toBe("success");
    expect((await acp.client.getThread(missing)).values).toMatchObject({ history: ["made"] });
  });

  it("refuses thread runs on an agent without thread support", async () => {
    const { thread_id } = await acp.client.createThread({});
    await expect(
      acp.client.createThreadRun(thread_id, { agent_id: agentIds.plain, input: {} }),
    ).rejects.toBeInstanceOf(UnprocessableEntityException);
  });

  it("patches metadata (merged), values and a checkpoint to branch from", async () => {
    const { thread_id } = await acp.client.createThread({ metadata: { a: 1, b: 1 } });
    await echoOn(thread_id, "first");
    const history = await acp.client.getThreadHistory(thread_id, 10);
    await echoOn(thread_id, "second");

    const merged = await acp.client.patchThread(thread_id, { metadata: { b: 2, c: 3 } });
    expect(merged.metadata).toEqual({ a: 1, b: 2, c: 3 });

    const patched = await acp.client.patchThread(thread_id, { values: { reply: "patched" } });
    expect(patched.values).toMatchObject({ reply: "patched", history: ["first", "second"] });

    const branched = await acp.client.patchThread(thread_id, {
      checkpoint: { checkpoint_id: history[0]?.checkpoint.checkpoint_id as string },
      values: { reply: "branch" },
    });
    expect(branched.values).toMatchObject({ reply: "branch", history: ["first"] });

    await expect(
      acp.client.patchThread(thread_id, { checkpoint: { checkpoint_id: randomUUID() } }),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it("copies a thread with its state and history", async () => {
    const { thread_id } = await acp.client.createThread({ metadata: { copied: true } });
    await echoOn(thread_id, "orig");
    const copy = await acp.client.copyThread(thread_id);
    expect(copy.thread_id).not.toBe(thread_id);
    expect(copy.metadata).toEqual({ copied: true });
    expect(copy.values).toMatchObject({ history: ["orig"] });
    const a = await acp.client.getThreadHistory(thread_id, 100);
    const b = await acp.client.getThreadHistory(copy.thread_id, 100);
    expect(b.map((s) => s.values)).toEqual(a.map((s) => s.values));
    const more = await echoOn(copy.thread_id, "copy only");
    expect(more.output).toMatchObject({ values: { history: ["orig", "copy only"] } });
    expect((await acp.client.getThread(thread_id)).values).toMatchObject({ history: ["orig"] });
  });

  it("searches threads by metadata, values and status with limit and offset", async () => {
    const tag = randomUUID();
    const ids: string[] = [];
    for (const text of ["p", "q", "r"]) {
      const { thread_id } = await acp.client.createThread({ metadata: { tag } });
      await echoOn(thread_id, text);
      ids.push(thread_id);
    }
    const all = await acp.client.searchThreads({ metadata: { tag } });
    expect(all.map((t) => t.thread_id)).toEqual(ids);
    const byValues = await acp.client.searchThreads({
      metadata: { tag },
      values: { reply: "echo: q" },
    });
    expect(byValues.map((t) => t.thread_id)).toEqual([ids[1]]);
    const page = await acp.client.searchThreads({
      metadata: { tag },
      status: "idle",
      limit: 1,
      offset: 2,
    });
    expect(page.map((t) => t.thread_id)).toEqual([ids[2]]);
    expect(await acp.client.searchThreads({ metadata: { tag }, status: "busy" })).toEqual([]);
  });

  it("answers 404 for unknown threads on every thread operation", async () => {
    const id = randomUUID();
    await expect(acp.client.getThread(id)).rejects.toBeInstanceOf(NotFoundException);
    await expect(acp.client.getThreadHistory(id)).rejects.toBeInstanceOf(NotFoundException);
    await expect(acp.client.copyThread(id)).rejects.toBeInstanceOf(NotFoundException);
    await expect(acp.client.patchThread(id, { metadata: {} })).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(acp.client.deleteThread(id)).rejects.toBeInstanceOf(NotFoundException);
    await expect(acp.client.listThreadRuns(id)).rejects.toBeInstanceOf(NotFoundException);
  });
});
