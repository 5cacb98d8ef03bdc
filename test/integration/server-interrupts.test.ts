/**
 * Every interrupt of a step, over HTTP: two parallel branches that both interrupt are
 * both reported with their ids (wait answer, stream, thread), both answered in one
 * resume, and an answer to an interrupt the run does not wait at is a 422 naming it.
 * On every store a run's interrupts live in: memory, SQLite and PostgreSQL.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACPClient,
  ApiClientConfiguration,
  type RunOutput,
  UnprocessableEntityException,
} from "../../src/index.js";
import {
  deriveAgentId,
  INTERRUPT_ANSWERS_KEY,
  interruptAnswers,
  type PendingInterrupt,
  pendingInterruptsOf,
  type ServerStore,
  serveACP,
  sqliteStore,
} from "../../src/server/index.js";
import { interruptTwiceAgent } from "../helpers/graphs.js";
import {
  PARALLEL_INTERRUPTS_NAME,
  parallelInterruptsAgent,
} from "../helpers/parallel-interrupts.js";
import { memoryAndPostgresStores } from "../helpers/postgres.js";
import { agentIds, memoryLogger, raw, readSse, serverScope } from "../helpers/server.js";

const parallelId = deriveAgentId(PARALLEL_INTERRUPTS_NAME, "1.0.0");
const { dir } = serverScope("acp-interrupts-");
const stores: Array<[string, () => ServerStore]> = [
  ...memoryAndPostgresStores(),
  ["SQLite", () => sqliteStore(join(dir, "runs.sqlite"))],
];

/** The interrupts an output lists, by the question each asks. */
function byQuestion(output: unknown): Record<string, string> {
  const listed = pendingInterruptsOf(output) ?? [];
  return Object.fromEntries(
    listed.map((i) => [(i.value as { question: string }).question, i.id] as const),
  );
}

const answersOf = (output: RunOutput | undefined) =>
  output?.type === "result" ? (output.values as { answers?: string[] }).answers : undefined;

describe.each(stores)("every interrupt of a step, on the %s store", (_name, makeStore) => {
  let url: string;
  let client: ACPClient;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const running = await serveACP({
      agents: [parallelInterruptsAgent(), interruptTwiceAgent()],
      store: makeStore(),
      port: 0,
      hostname: "127.0.0.1",
      logger: memoryLogger(),
    });
    url = running.url;
    close = () => running.close();
    client = new ACPClient({ configuration: new ApiClientConfiguration({ host: url }) });
  });

  afterAll(async () => {
    await client?.close();
    await close?.();
  });

  it("reports both interrupts of two parallel branches, each with its id, and the first as the spec's interrupt", async () => {
    const first = await client.createAndWaitForStatelessRunOutput({
      agent_id: parallelId,
      input: { topic: "tea" },
    });
    expect(first.run?.status).toBe("interrupted");
    const ids = byQuestion(first.output);
    expect(Object.keys(ids).sort()).toEqual(["left about tea?", "right about tea?"]);
    for (const id of Object.values(ids)) expect(id).toMatch(/^[0-9a-f]{32}$/);
    const listed = pendingInterruptsOf(first.output) as PendingInterrupt[];
    expect(first.output).toMatchObject({ type: "interrupt", interrupt: listed[0]?.value });
  });

  it("takes both answers in one resume, by interrupt id, and the run completes", async () => {
    const first = await client.createAndWaitForStatelessRunOutput({
      agent_id: parallelId,
      input: { topic: "tea" },
    });
    const runId = first.run?.run_id as string;
    const ids = byQuestion(first.output);
    await client.resumeStatelessRun(
      runId,
      interruptAnswers({
        [ids["left about tea?"] as string]: "green",
        [ids["right about tea?"] as string]: "black",
      }),
    );
    const done = await client.waitForStatelessRunOutput(runId);
    expect(done.run?.status).toBe("success");
    expect(answersOf(done.output)).toEqual(["left: green", "right: black"]);
  });

  it("refuses with a 422 an answer to an interrupt the run does not wait at, naming it; the run still waits", async () => {
    const first = await client.createAndWaitForStatelessRunOutput({
      agent_id: parallelId,
      input: { topic: "jam" },
    });
    const runId = first.run?.run_id as string;
    const ids = byQuestion(first.output);
    const unknown = "0123456789abcdef0123456789abcdef";
    const refused = await raw(url, "POST", `/runs/${runId}`, {
      [INTERRUPT_ANSWERS_KEY]: { [ids["left about jam?"] as string]: "yes", [unknown]: "no" },
    });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain(unknown);
    expect(refused.text).toContain(`body.${INTERRUPT_ANSWERS_KEY}.${unknown}`);
    const empty = await raw(url, "POST", `/runs/${runId}`, { [INTERRUPT_ANSWERS_KEY]: {} });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain(`body.${INTERRUPT_ANSWERS_KEY}`);
    // Each answer is held to the agent's resume payload schema (a string here).
    const badAnswer = await raw(url, "POST", `/runs/${runId}`, {
      [INTERRUPT_ANSWERS_KEY]: { [ids["left about jam?"] as string]: 42 },
    });
    expect(badAnswer.status).toBe(422);
    expect(badAnswer.text).toContain(`body.${INTERRUPT_ANSWERS_KEY}.${ids["left about jam?"]}`);
    expect((await client.getStatelessRun(runId)).status).toBe("interrupted");
    await client.resumeStatelessRun(
      runId,
      interruptAnswers({
        [ids["left about jam?"] as string]: "a",
        [ids["right about jam?"] as string]: "b",
      }),
    );
    expect(answersOf((await client.waitForStatelessRunOutput(runId)).output)).toEqual([
      "left: a",
      "right: b",
    ]);
  });

  it("answers one of two by id, stops at the other alone, which a plain answer resumes as before", async () => {
    const first = await client.createAndWaitForStatelessRunOutput({
      agent_id: parallelId,
      input: { topic: "rice" },
    });
    const runId = first.run?.run_id as string;
    const ids = byQuestion(first.output);
    await client.resumeStatelessRun(
      runId,
      interruptAnswers({ [ids["left about rice?"] as string]: "white" }),
    );
    const second = await client.waitForStatelessRunOutput(runId);
    expect(second.run?.status).toBe("interrupted");
    expect(second.output).toMatchObject({
      type: "interrupt",
      interrupt: { question: "right about rice?" },
    });
    expect(Object.keys(byQuestion(second.output))).toEqual(["right about rice?"]);
    await client.resumeStatelessRun(runId, "brown");
    const done = await client.waitForStatelessRunOutput(runId);
    expect(answersOf(done.output)).toEqual(["left: white", "right: brown"]);
  });

  it("gives a plain answer to each of several pending interrupts alike, as LangGraph does", async () => {
    const first = await client.createAndWaitForStatelessRunOutput({
      agent_id: parallelId,
      input: { topic: "salt" },
    });
    const runId = first.run?.run_id as string;
    await client.resumeStatelessRun(runId, "some");
    const done = await client.waitForStatelessRunOutput(runId);
    expect(answersOf(done.output)).toEqual(["left: some", "right: some"]);
  });

  it("streams an interrupt event that lists both, and a thread shows both while it waits", async () => {
    const thread = await client.createThread({});
    const response = await fetch(`${url}/threads/${thread.thread_id}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: parallelId, input: { topic: "soup" } }),
    });
    const { frames } = await readSse(response);
    const last = JSON.parse(frames.at(-1)?.data ?? "null");
    expect(last).toMatchObject({ type: "interrupt", status: "interrupted" });
    const streamed = byQuestion(last);
    expect(Object.keys(streamed).sort()).toEqual(["left about soup?", "right about soup?"]);

    const waiting = await raw(url, "GET", `/threads/${thread.thread_id}`);
    expect(waiting.body).toMatchObject({ status: "interrupted" });
    expect(byQuestion(waiting.body)).toEqual(streamed);

    const runId = last.run_id as string;
    await client.resumeThreadRun(
      thread.thread_id,
      runId,
      interruptAnswers({
        [streamed["left about soup?"] as string]: "hot",
        [streamed["right about soup?"] as string]: "cold",
      }),
    );
    const done = await client.waitForThreadRunOutput(thread.thread_id, runId);
    expect(answersOf(done.output)).toEqual(["left: hot", "right: cold"]);
    const idle = await raw(url, "GET", `/threads/${thread.thread_id}`);
    expect(idle.body).toMatchObject({ status: "idle" });
    expect(pendingInterruptsOf(idle.body)).toBeUndefined();
  });

  it("keeps a single interrupt as before, with its id listed too", async () => {
    const first = await client.createAndWaitForStatelessRunOutput({
      agent_id: agentIds.interrupt,
      input: { topic: "cats" },
    });
    expect(first.output).toMatchObject({
      type: "interrupt",
      interrupt: { interrupt_type: "question", question: "first about cats?" },
    });
    expect(pendingInterruptsOf(first.output)).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        value: { interrupt_type: "question", question: "first about cats?" },
      },
    ]);
    await expect(
      client.resumeStatelessRun(first.run?.run_id as string, { answer: 1 } as never),
    ).rejects.toBeInstanceOf(UnprocessableEntityException);
  });
});
