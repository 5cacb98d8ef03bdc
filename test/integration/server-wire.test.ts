import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration, type RunOutputStream } from "../../src/index.js";
import {
  agentIds,
  raw,
  readSse,
  StreamReader,
  startACPServer,
  type TestACPServer,
} from "../helpers/server.js";

let running: TestACPServer;

beforeAll(async () => {
  running = await startACPServer({ keepAliveMs: 20 });
});

afterAll(async () => {
  running?.gate.release();
  await running?.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${running.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("the SSE wire format", () => {
  it("sends id, event: agent_event and the JSON payload, then a blank line, per event", async () => {
    const response = await post("/runs/stream", { agent_id: agentIds.custom, input: { count: 2 } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const { frames } = await readSse(response);
    expect(frames.map((f) => f.id)).toEqual(["1", "2", "3", "4"]);
    for (const frame of frames) {
      expect(frame.lines).toHaveLength(3);
      expect(frame.lines[0]).toBe(`id: ${frame.id}`);
      expect(frame.lines[1]).toBe("event: agent_event");
      expect(frame.lines[2]?.startsWith("data: {")).toBe(true);
    }
    const payloads = frames.map((f) => JSON.parse(f.data as string));
    expect(payloads.map((p) => p.type)).toEqual(["values", "custom", "custom", "values"]);
    const runIds = new Set(payloads.map((p) => p.run_id));
    expect(runIds.size).toBe(1);
    expect(payloads[1]).toEqual({
      type: "custom",
      run_id: payloads[0].run_id,
      status: "pending",
      update: { step: 1 },
    });
  });

  it("sends keep-alive comment lines, never followed by a blank line, while the run is idle", async () => {
    const startedBefore = running.gate.started;
    const response = await post("/runs/stream", {
      agent_id: agentIds.slow,
      input: { text: "idle" },
      on_disconnect: "continue",
    });
    const reader = new StreamReader(response);
    await running.gate.waitForStarted(startedBefore + 1);
    const twice = (t: string) => t.split(": keep-alive\n").length > 2;
    expect(await reader.until(twice)).toBe(true);
    expect(reader.text).not.toContain("\n\n\n");
    expect(reader.text).not.toContain(": keep-alive\n\n");
    await reader.cancel();
  });

  it("replays what came after Last-Event-ID when joining a run's stream", async () => {
    const created = await post("/runs", { agent_id: agentIds.custom, input: { count: 5 } });
    const run = (await created.json()) as { run_id: string };
    await fetch(`${running.url}/runs/${run.run_id}/wait`);
    const joined = await fetch(`${running.url}/runs/${run.run_id}/stream`, {
      headers: { "last-event-id": "2" },
    });
    const { frames } = await readSse(joined);
    expect(frames.map((f) => f.id)).toEqual(["3", "4", "5", "6", "7"]);
    expect(JSON.parse(frames.at(-1)?.data as string)).toMatchObject({
      type: "values",
      status: "success",
    });

    const client = new ACPClient({
      configuration: new ApiClientConfiguration({ host: running.url }),
    });
    const events: RunOutputStream[] = [];
    for await (const e of client.streamStatelessRunOutput(run.run_id, { lastEventId: "5" })) {
      events.push(e);
    }
    await client.close();
    expect(events.map((e) => e.id)).toEqual(["6", "7"]);

    const bad = await fetch(`${running.url}/runs/${run.run_id}/stream`, {
      headers: { "last-event-id": "not-a-number" },
    });
    expect(bad.status).toBe(422);
  });

  it("joins a live run's stream and sees only what comes after", async () => {
    const startedBefore = running.gate.started;
    const { thread_id } = (await (await post("/threads", {})).json()) as { thread_id: string };
    const run = (await (
      await post(`/threads/${thread_id}/runs`, { agent_id: agentIds.slow, input: { text: "j" } })
    ).json()) as { run_id: string };
    await running.gate.waitForStarted(startedBefore + 1);
    const joined = await fetch(`${running.url}/threads/${thread_id}/runs/${run.run_id}/stream`);
    const reader = new StreamReader(joined);
    await raw(running.url, "POST", `/threads/${thread_id}/runs/${run.run_id}/cancel?wait=true`);
    const { frames } = await readSse(new Response(await reader.rest()));
    expect(frames.map((f) => JSON.parse(f.data as string).type)).toEqual(["error"]);
    expect(JSON.parse(frames[0]?.data as string)).toMatchObject({
      status: "error",
      errcode: 499,
    });
  });

  it("cancels a streamed run whose client went away (on_disconnect cancel)", async () => {
    const startedBefore = running.gate.started;
    const response = await post("/runs/stream", {
      agent_id: agentIds.slow,
      input: { text: "gone" },
    });
    const reader = new StreamReader(response);
    await reader.until((t) => t.includes("\n\n") && t.includes("data: "));
    const runId = JSON.parse(/data: (.*)\n/.exec(reader.text)?.[1] as string).run_id as string;
    await running.gate.waitForStarted(startedBefore + 1);
    await reader.cancel();
    const waited = await raw(running.url, "GET", `/runs/${runId}/wait`);
    expect(waited.body).toMatchObject({ run: { status: "error" }, output: { errcode: 499 } });
  });
});

describe("errors on the wire", () => {
  const expectError = (
    answer: { status: number; contentType: string | null; body: unknown },
    status: number,
  ) => {
    expect(answer.status).toBe(status);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(typeof answer.body).toBe("string");
    expect((answer.body as string).length).toBeGreaterThan(0);
  };

  it("answers unknown ids and routes with a 404 JSON string", async () => {
    expectError(await raw(running.url, "GET", `/runs/${randomUUID()}`), 404);
    expectError(await raw(running.url, "GET", `/agents/${randomUUID()}`), 404);
    expectError(await raw(running.url, "GET", `/agents/${randomUUID()}/descriptor`), 404);
    expectError(await raw(running.url, "GET", `/threads/${randomUUID()}`), 404);
    expectError(await raw(running.url, "GET", "/nowhere"), 404);
  });

  it("answers ids that are not UUIDs with 422 where the operation declares it, else 404", async () => {
    const long = await raw(running.url, "GET", `/threads/${"x".repeat(5000)}`);
    expectError(long, 422);
    expect((long.body as string).length).toBeLessThan(200);
    expectError(await raw(running.url, "GET", "/threads/__proto__"), 422);
    expectError(await raw(running.url, "GET", "/runs/not-a-uuid"), 422);
    expectError(await raw(running.url, "GET", "/agents/not-a-uuid/descriptor"), 422);
    expectError(await raw(running.url, "GET", "/agents/not-a-uuid"), 404);
  });

  it("answers a body that breaks the spec's schema with a 422 naming the field", async () => {
    const answer = await raw(running.url, "POST", "/agents/search", { limit: 0 });
    expectError(answer, 422);
    expect(answer.body).toContain("body.limit");
    const mode = await raw(running.url, "POST", "/runs", { stream_mode: "everything" });
    expectError(mode, 422);
    expect(mode.body).toContain("body.stream_mode");
  });

  it("answers bad JSON, an empty body and a wrong content type with 422", async () => {
    expectError(await raw(running.url, "POST", "/runs", "{not json"), 422);
    expectError(await raw(running.url, "POST", "/runs", ""), 422);
    const plain = await raw(running.url, "POST", "/runs", "text=1", {
      "content-type": "text/plain",
    });
    expectError(plain, 422);
    expect(plain.body).toContain("application/json");
  });

  it("answers bad query values with a 422 naming the parameter", async () => {
    const { thread_id } = (await (await post("/threads", {})).json()) as { thread_id: string };
    const limit = await raw(running.url, "GET", `/threads/${thread_id}/history?limit=abc`);
    expectError(limit, 422);
    expect(limit.body).toContain("limit");
    const action = await raw(running.url, "POST", `/runs/${randomUUID()}/cancel?action=explode`);
    expectError(action, 422);
  });

  it("answers 204 with no body for deletes and cancels", async () => {
    const { thread_id } = (await (await post("/threads", {})).json()) as { thread_id: string };
    const deleted = await raw(running.url, "DELETE", `/threads/${thread_id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
  });
});
