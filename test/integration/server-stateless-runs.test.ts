import { describe, expect, it } from "vitest";
import {
  ConflictException,
  NotFoundException,
  type RunOutputStream,
  UnprocessableEntityException,
} from "../../src/index.js";
import { THROWING_MESSAGE } from "../helpers/graphs.js";
import { agentIds, useACPServer } from "../helpers/server.js";

const acp = useACPServer();

async function collect(stream: AsyncIterable<RunOutputStream>): Promise<RunOutputStream[]> {
  const events: RunOutputStream[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe("stateless runs over ACPClient", () => {
  it("runs the echo graph and waits for its result", async () => {
    const { run, output } = await acp.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "hello" },
    });
    expect(run?.status).toBe("success");
    expect(run?.agent_id).toBe(agentIds.echo);
    expect(run?.thread_id).toBeUndefined();
    expect(output).toMatchObject({
      type: "result",
      values: { text: "hello", reply: "echo: hello" },
    });
  });

  it("passes config.configurable to the graph", async () => {
    const { output } = await acp.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.echo,
      input: { text: "x" },
      config: { configurable: { prefix: ">> " } },
    });
    expect(output).toMatchObject({ type: "result", values: { reply: ">> x" } });
  });

  it("uses the first agent when agent_id is absent", async () => {
    const { run } = await acp.client.createAndWaitForStatelessRunOutput({
      input: { text: "d" },
    });
    expect(run?.agent_id).toBe(agentIds.echo);
  });

  it("sends LangChain messages as ACP messages that keep their LangChain type", async () => {
    const { output } = await acp.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.chat,
      input: { messages: [{ role: "user", content: "hi" }] },
    });
    const messages = (output as unknown as { values: { messages: unknown[] } }).values.messages;
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatchObject({ role: "user", type: "human", content: "hi" });
    expect(messages[1]).toEqual({
      role: "assistant",
      type: "ai",
      content: "you said: hi",
      id: "reply-1",
    });
  });

  it("creates a background run, then gets it and waits for it", async () => {
    const created = await acp.client.createStatelessRun({
      agent_id: agentIds.echo,
      input: { text: "bg" },
    });
    expect(created.status).toBe("pending");
    expect(created.creation.input).toEqual({ text: "bg" });
    const waited = await acp.client.waitForStatelessRunOutput(created.run_id);
    expect(waited.run?.run_id).toBe(created.run_id);
    expect(waited.output).toMatchObject({ type: "result", values: { reply: "echo: bg" } });
    const got = await acp.client.getStatelessRun(created.run_id);
    expect(got.status).toBe("success");
  });

  it("streams values events, the last one with status success", async () => {
    const events = await collect(
      acp.client.createAndStreamStatelessRunOutput({
        agent_id: agentIds.echo,
        input: { text: "s" },
        stream_mode: "values",
      }),
    );
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => String(i + 1)));
    expect(events.every((e) => e.event === "agent_event" && e.data.type === "values")).toBe(true);
    const last = events.at(-1);
    expect(last?.data).toMatchObject({
      type: "values",
      status: "success",
      values: { reply: "echo: s" },
    });
    expect(events.slice(0, -1).every((e) => e.data.status === "pending")).toBe(true);
  });

  it("streams custom events from config.writer in order", async () => {
    const events = await collect(
      acp.client.createAndStreamStatelessRunOutput({
        agent_id: agentIds.custom,
        input: { count: 3 },
        stream_mode: ["custom"],
      }),
    );
    expect(events.map((e) => e.data.type)).toEqual(["custom", "custom", "custom"]);
    expect(events.map((e) => (e.data as { update: unknown }).update)).toEqual([
      { step: 1 },
      { step: 2 },
      { step: 3 },
    ]);
  });

  it("interrupts twice and resumes the same run each time", async () => {
    const first = await acp.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "cats" },
    });
    const runId = first.run?.run_id as string;
    expect(first.run?.status).toBe("interrupted");
    const asked = { interrupt_type: "question", question: "first about cats?" };
    expect(first.output).toEqual({
      type: "interrupt",
      interrupt: asked,
      interrupts: [{ id: expect.stringMatching(/^[0-9a-f]{32}$/), value: asked }],
    });

    const resumed = await acp.client.resumeStatelessRun(runId, { answer: "one" });
    expect(resumed.run_id).toBe(runId);
    const second = await acp.client.waitForStatelessRunOutput(runId);
    expect(second.run?.status).toBe("interrupted");
    expect(second.output).toMatchObject({ interrupt: { question: "second?" } });

    await acp.client.resumeStatelessRun(runId, { answer: "two" });
    const done = await acp.client.waitForStatelessRunOutput(runId);
    expect(done.run?.status).toBe("success");
    expect(done.output).toMatchObject({ type: "result", values: { answers: ["one", "two"] } });
    await expect(acp.client.resumeStatelessRun(runId, { answer: "three" })).rejects.toBeInstanceOf(
      ConflictException,
    );
  });

  it("streams an interrupt event where the run stops", async () => {
    const events = await collect(
      acp.client.createAndStreamStatelessRunOutput({
        agent_id: agentIds.interrupt,
        input: { topic: "t" },
      }),
    );
    const last = events.at(-1);
    expect(last?.data).toMatchObject({
      type: "interrupt",
      status: "interrupted",
      interrupt: { question: "first about t?" },
    });
    expect(last?.data.run_id).toBeTruthy();
  });

  it("refuses a resume payload that does not match the agent's schema", async () => {
    const { run } = await acp.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "x" },
    });
    const error = await acp.client
      .resumeStatelessRun(run?.run_id as string, { wrong: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnprocessableEntityException);
    expect(String((error as Error).message)).toContain("body.answer is required");
  });

  it("ends a failing graph's run in error, its message withheld by default, and keeps serving", async () => {
    const { run, output } = await acp.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.throwing,
      input: {},
    });
    expect(run?.status).toBe("error");
    expect(output).toMatchObject({ type: "error", run_id: run?.run_id, errcode: 500 });
    const description = (output as { description: string }).description;
    expect(description).toMatch(/^Error: /);
    expect(description).not.toContain(THROWING_MESSAGE);
    const events = await collect(
      acp.client.createAndStreamStatelessRunOutput({ agent_id: agentIds.throwing, input: {} }),
    );
    expect(events.at(-1)?.data).toMatchObject({ type: "error", status: "error" });
    const again = await acp.client.createAndWaitForStatelessRunOutput({
      input: { text: "still up" },
    });
    expect(again.run?.status).toBe("success");
  });

  it("cancels a slow run: its signal aborts and the run stops", async () => {
    const abortedBefore = acp.running.gate.aborted;
    const startedBefore = acp.running.gate.started;
    const created = await acp.client.createStatelessRun({
      agent_id: agentIds.slow,
      input: { text: "z" },
    });
    await acp.running.gate.waitForStarted(startedBefore + 1);
    await acp.client.cancelStatelessRun(created.run_id, true, "interrupt");
    const run = await acp.client.getStatelessRun(created.run_id);
    expect(run.status).toBe("error");
    expect(acp.running.gate.aborted).toBe(abortedBefore + 1);
    const { output } = await acp.client.waitForStatelessRunOutput(created.run_id);
    expect(output).toMatchObject({ type: "error", errcode: 499 });
  });

  it("cancels an interrupted run: it can no longer be resumed", async () => {
    const first = await acp.client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "dogs" },
    });
    const runId = first.run?.run_id as string;
    expect(first.run?.status).toBe("interrupted");
    await acp.client.cancelStatelessRun(runId, true, "interrupt");
    const { run, output } = await acp.client.waitForStatelessRunOutput(runId);
    expect(run?.status).toBe("error");
    expect(output).toMatchObject({ type: "error", errcode: 499 });
    await expect(acp.client.resumeStatelessRun(runId, { answer: "late" })).rejects.toBeInstanceOf(
      ConflictException,
    );
  });

  it("rolls back a cancelled run: it is gone afterwards", async () => {
    const created = await acp.client.createStatelessRun({
      agent_id: agentIds.slow,
      input: { text: "r" },
    });
    await acp.client.cancelStatelessRun(created.run_id, true, "rollback");
    await expect(acp.client.getStatelessRun(created.run_id)).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it("searches runs by agent, status and metadata, with limit and offset", async () => {
    const tag = `search-${Date.now()}`;
    for (const text of ["a", "b", "c"]) {
      await acp.client.createAndWaitForStatelessRunOutput({
        agent_id: agentIds.echo,
        input: { text },
        metadata: { tag },
      });
    }
    const all = await acp.client.searchStatelessRuns({
      metadata: { tag },
      status: "success",
      limit: 10,
    });
    expect(all.map((r) => r.creation.input)).toEqual([{ text: "a" }, { text: "b" }, { text: "c" }]);
    const page = await acp.client.searchStatelessRuns({
      metadata: { tag },
      limit: 1,
      offset: 1,
    });
    expect(page.map((r) => r.creation.input)).toEqual([{ text: "b" }]);
    const none = await acp.client.searchStatelessRuns({
      metadata: { tag },
      agent_id: agentIds.custom,
    });
    expect(none).toEqual([]);
  });

  it("deletes a run", async () => {
    const { run } = await acp.client.createAndWaitForStatelessRunOutput({
      input: { text: "del" },
    });
    await acp.client.deleteStatelessRun(run?.run_id as string);
    await expect(acp.client.getStatelessRun(run?.run_id as string)).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });
});

describe("stateless run errors", () => {
  it("answers 404 for an unknown agent and an unknown run", async () => {
    await expect(
      acp.client.createStatelessRun({
        agent_id: "00000000-0000-4000-8000-000000000000",
        input: {},
      }),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      acp.client.getStatelessRun("00000000-0000-4000-8000-000000000000"),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it("answers 422 naming the field for input and config that break the agent's schemas", async () => {
    const input = await acp.client
      .createStatelessRun({ agent_id: agentIds.echo, input: { text: 5 } })
      .catch((e: unknown) => e);
    expect(input).toBeInstanceOf(UnprocessableEntityException);
    expect((input as Error).message).toContain("input.text must be string");
    const config = await acp.client
      .createStatelessRun({
        agent_id: agentIds.echo,
        input: { text: "a" },
        config: { configurable: { prefix: "this prefix is far too long for the schema" } },
      })
      .catch((e: unknown) => e);
    expect(config).toBeInstanceOf(UnprocessableEntityException);
    expect((config as Error).message).toContain("config.configurable.prefix");
  });

  it("refuses a stream mode the agent does not declare, and streaming on an agent without any", async () => {
    const plainStream = await acp.client
      .createStatelessRun({ agent_id: agentIds.plain, input: {}, stream_mode: "values" })
      .catch((e: unknown) => e);
    expect(plainStream).toBeInstanceOf(UnprocessableEntityException);
    expect((plainStream as Error).message).toContain('stream_mode "values" is not supported');
  });
});
