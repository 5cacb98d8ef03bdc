/**
 * The server's answers held to the official spec: every operation is driven through
 * `prism proxy --errors`, which answers a violation (application/problem+json) when a
 * request or a response does not match the spec. Prism cannot read
 * `text/event-stream` bodies, so the stream operations' events are read from the
 * server directly and each is validated against the spec's `RunOutputStream` schema.
 */
import { randomUUID } from "node:crypto";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PrismProcess, startPrismProxy } from "../helpers/prism.js";
import { agentIds, readSse, startACPServer, type TestACPServer } from "../helpers/server.js";
import { loadSpec, specPath } from "../helpers/spec.js";

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule })
  .default ?? addFormatsModule) as typeof addFormatsModule;

describe("the server through a Prism validating proxy", () => {
  let running: TestACPServer;
  let proxy: PrismProcess;
  const seen = new Map<string, number[]>();

  beforeAll(async () => {
    running = await startACPServer();
    proxy = await startPrismProxy(specPath, running.url);
  });

  afterAll(async () => {
    running?.gate.release();
    await proxy?.stop();
    await running?.close();
  });

  /** Calls through the proxy; fails on a Prism violation; records the operation's status. */
  async function call(
    operation: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${proxy.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const type = response.headers.get("content-type") ?? "";
    expect(type, `${operation}: Prism reported a violation: ${text}`).not.toContain("problem+json");
    seen.set(operation, [...(seen.get(operation) ?? []), response.status]);
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
  }

  const validateEvent = (() => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...loadSpec(), $id: "acp-spec" });
    return ajv.getSchema("acp-spec#/components/schemas/RunOutputStream");
  })();

  /** Streams directly from the server and validates every event against the spec. */
  async function streamDirect(operation: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${running.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const { frames } = await readSse(response);
    for (const frame of frames) {
      const event = { id: frame.id, event: frame.event, data: JSON.parse(frame.data as string) };
      const valid = validateEvent?.(event);
      expect(valid, `${operation}: ${JSON.stringify(validateEvent?.errors)}`).toBe(true);
    }
    seen.set(operation, [...(seen.get(operation) ?? []), response.status]);
    return frames;
  }

  it("answers every agent operation as the spec says", async () => {
    expect(
      (await call("search_agents", "POST", "/agents/search", { name: "test.echo" })).status,
    ).toBe(200);
    expect(
      (await call("search_agents", "POST", "/agents/search", { version: "0.0.0" })).body,
    ).toEqual([]);
    expect((await call("get_agent_by_id", "GET", `/agents/${agentIds.echo}`)).status).toBe(200);
    expect((await call("get_agent_by_id", "GET", `/agents/${randomUUID()}`)).status).toBe(404);
    expect(
      (await call("get_acp_descriptor_by_id", "GET", `/agents/${agentIds.interrupt}/descriptor`))
        .status,
    ).toBe(200);
    expect(
      (await call("get_acp_descriptor_by_id", "GET", `/agents/${randomUUID()}/descriptor`)).status,
    ).toBe(404);
  });

  it("answers every stateless run operation as the spec says", async () => {
    const created = await call("create_stateless_run", "POST", "/runs", {
      agent_id: agentIds.echo,
      input: { text: "p" },
      metadata: { suite: "prism" },
    });
    expect(created.status).toBe(200);
    const runId = (created.body as { run_id: string }).run_id;
    expect((await call("wait_for_stateless_run_output", "GET", `/runs/${runId}/wait`)).status).toBe(
      200,
    );
    expect((await call("get_stateless_run", "GET", `/runs/${runId}`)).status).toBe(200);
    expect(
      (
        await call("search_stateless_runs", "POST", "/runs/search", {
          metadata: { suite: "prism" },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call("create_and_wait_for_stateless_run_output", "POST", "/runs/wait", {
          agent_id: agentIds.throwing,
          input: {},
        })
      ).status,
    ).toBe(200);
    const interrupted = await call(
      "create_and_wait_for_stateless_run_output",
      "POST",
      "/runs/wait",
      {
        agent_id: agentIds.interrupt,
        input: { topic: "p" },
      },
    );
    const interruptedId = (interrupted.body as { run: { run_id: string } }).run.run_id;
    for (const answer of ["a", "b"]) {
      expect(
        (await call("resume_stateless_run", "POST", `/runs/${interruptedId}`, { answer })).status,
      ).toBe(200);
      expect(
        (await call("wait_for_stateless_run_output", "GET", `/runs/${interruptedId}/wait`)).status,
      ).toBe(200);
    }
    expect(
      (await call("resume_stateless_run", "POST", `/runs/${interruptedId}`, { answer: "c" }))
        .status,
    ).toBe(409);
    expect(
      (
        await call("create_stateless_run", "POST", "/runs", {
          agent_id: agentIds.echo,
          input: { text: 1 },
        })
      ).status,
    ).toBe(422);
    expect(
      (await call("create_stateless_run", "POST", "/runs", { agent_id: randomUUID(), input: {} }))
        .status,
    ).toBe(404);
    expect(
      (
        await call("create_and_stream_stateless_run_output", "POST", "/runs/stream", {
          agent_id: agentIds.plain,
          input: {},
        })
      ).status,
    ).toBe(422);
    const slow = await call("create_stateless_run", "POST", "/runs", {
      agent_id: agentIds.slow,
      input: {},
    });
    const slowId = (slow.body as { run_id: string }).run_id;
    expect(
      (
        await call(
          "cancel_stateless_run",
          "POST",
          `/runs/${slowId}/cancel?wait=true&action=interrupt`,
        )
      ).status,
    ).toBe(204);
    expect(
      (await call("cancel_stateless_run", "POST", `/runs/${randomUUID()}/cancel`)).status,
    ).toBe(404);
    expect((await call("delete_stateless_run", "DELETE", `/runs/${runId}`)).status).toBe(204);
    expect((await call("delete_stateless_run", "DELETE", `/runs/${runId}`)).status).toBe(404);
    expect(
      (await call("stream_stateless_run_output", "GET", `/runs/${randomUUID()}/stream`)).status,
    ).toBe(404);

    const frames = await streamDirect(
      "create_and_stream_stateless_run_output",
      "POST",
      "/runs/stream",
      {
        agent_id: agentIds.custom,
        input: { count: 2 },
      },
    );
    const streamedRun = JSON.parse(frames[0]?.data as string).run_id as string;
    await streamDirect("stream_stateless_run_output", "GET", `/runs/${streamedRun}/stream`);
    const failing = await streamDirect(
      "create_and_stream_stateless_run_output",
      "POST",
      "/runs/stream",
      {
        agent_id: agentIds.throwing,
        input: {},
      },
    );
    expect(JSON.parse(failing.at(-1)?.data as string).type).toBe("error");
    const asking = await streamDirect(
      "create_and_stream_stateless_run_output",
      "POST",
      "/runs/stream",
      {
        agent_id: agentIds.interrupt,
        input: { topic: "s" },
      },
    );
    expect(JSON.parse(asking.at(-1)?.data as string).type).toBe("interrupt");
  });

  it("answers every thread and thread run operation as the spec says", async () => {
    const thread = await call("create_thread", "POST", "/threads", {
      metadata: { suite: "prism" },
    });
    expect(thread.status).toBe(200);
    const threadId = (thread.body as { thread_id: string }).thread_id;
    expect((await call("create_thread", "POST", "/threads", { thread_id: threadId })).status).toBe(
      409,
    );
    expect(
      (
        await call("create_thread_run", "POST", `/threads/${threadId}/runs`, {
          agent_id: agentIds.echo,
          input: { text: "t" },
          config: { configurable: { unknown: "key" } },
        })
      ).status,
    ).toBe(422);

    const run = await call("create_thread_run", "POST", `/threads/${threadId}/runs`, {
      agent_id: agentIds.echo,
      input: { text: "t" },
    });
    expect(run.status).toBe(200);
    const runId = (run.body as { run_id: string }).run_id;
    expect(
      (await call("wait_for_thread_run_output", "GET", `/threads/${threadId}/runs/${runId}/wait`))
        .status,
    ).toBe(200);
    expect((await call("get_thread_run", "GET", `/threads/${threadId}/runs/${runId}`)).status).toBe(
      200,
    );
    expect(
      (await call("list_thread_runs", "GET", `/threads/${threadId}/runs?limit=5&offset=0`)).status,
    ).toBe(200);
    expect(
      (
        await call(
          "create_and_wait_for_thread_run_output",
          "POST",
          `/threads/${threadId}/runs/wait`,
          {
            agent_id: agentIds.echo,
            input: { text: "u" },
          },
        )
      ).status,
    ).toBe(200);
    expect((await call("get_thread", "GET", `/threads/${threadId}`)).status).toBe(200);
    expect(
      (await call("search_threads", "POST", "/threads/search", { metadata: { suite: "prism" } }))
        .status,
    ).toBe(200);
    const history = await call("get_thread_history", "GET", `/threads/${threadId}/history?limit=3`);
    expect(history.status).toBe(200);
    const checkpointId = (history.body as Array<{ checkpoint: { checkpoint_id: string } }>)[1]
      ?.checkpoint.checkpoint_id;
    expect(
      (
        await call("patch_thread", "PATCH", `/threads/${threadId}`, {
          metadata: { patched: true },
          checkpoint: { checkpoint_id: checkpointId },
          values: { reply: "patched" },
        })
      ).status,
    ).toBe(200);
    expect((await call("copy_thread", "POST", `/threads/${threadId}/copy`)).status).toBe(200);

    const ask = await call(
      "create_and_wait_for_thread_run_output",
      "POST",
      `/threads/${threadId}/runs/wait`,
      {
        agent_id: agentIds.interrupt,
        input: { topic: "t" },
      },
    );
    const askId = (ask.body as { run: { run_id: string } }).run.run_id;
    expect(
      (
        await call("resume_thread_run", "POST", `/threads/${threadId}/runs/${askId}`, {
          answer: "1",
        })
      ).status,
    ).toBe(200);
    expect(
      (await call("wait_for_thread_run_output", "GET", `/threads/${threadId}/runs/${askId}/wait`))
        .status,
    ).toBe(200);
    expect(
      (await call("resume_thread_run", "POST", `/threads/${threadId}/runs/${askId}`, { nope: 1 }))
        .status,
    ).toBe(422);

    const slow = await call("create_thread_run", "POST", `/threads/${threadId}/runs`, {
      agent_id: agentIds.slow,
      input: {},
    });
    const slowId = (slow.body as { run_id: string }).run_id;
    expect(
      (
        await call("create_thread_run", "POST", `/threads/${threadId}/runs`, {
          agent_id: agentIds.echo,
          input: { text: "x" },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await call(
          "cancel_thread_run",
          "POST",
          `/threads/${threadId}/runs/${slowId}/cancel?wait=true&action=rollback`,
        )
      ).status,
    ).toBe(204);
    expect(
      (await call("delete_thread_run", "DELETE", `/threads/${threadId}/runs/${runId}`)).status,
    ).toBe(204);
    expect((await call("get_thread_run", "GET", `/threads/${threadId}/runs/${runId}`)).status).toBe(
      404,
    );

    const frames = await streamDirect(
      "create_and_stream_thread_run_output",
      "POST",
      `/threads/${threadId}/runs/stream`,
      {
        agent_id: agentIds.custom,
        input: { count: 1 },
      },
    );
    const streamedRun = JSON.parse(frames[0]?.data as string).run_id as string;
    await streamDirect(
      "stream_thread_run_output",
      "GET",
      `/threads/${threadId}/runs/${streamedRun}/stream`,
    );
    expect(
      (
        await call(
          "stream_thread_run_output",
          "GET",
          `/threads/${threadId}/runs/${randomUUID()}/stream`,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await call(
          "create_and_stream_thread_run_output",
          "POST",
          `/threads/${randomUUID()}/runs/stream`,
          {
            agent_id: agentIds.custom,
            input: { count: 1 },
          },
        )
      ).status,
    ).toBe(404);

    expect((await call("delete_thread", "DELETE", `/threads/${threadId}`)).status).toBe(204);
    for (const [operation, method, path] of [
      ["get_thread", "GET", `/threads/${threadId}`],
      ["get_thread_history", "GET", `/threads/${threadId}/history`],
      ["copy_thread", "POST", `/threads/${threadId}/copy`],
      ["delete_thread", "DELETE", `/threads/${threadId}`],
      ["list_thread_runs", "GET", `/threads/${threadId}/runs`],
    ] as const) {
      expect((await call(operation, method, path)).status).toBe(404);
    }
    expect(
      (await call("patch_thread", "PATCH", `/threads/${threadId}`, { metadata: {} })).status,
    ).toBe(404);
  });

  it("drove all 30 operations", () => {
    const spec = loadSpec();
    const ids = Object.values(
      spec.paths as Record<string, Record<string, { operationId?: string }>>,
    )
      .flatMap((item) => Object.values(item).map((op) => op.operationId))
      .filter((id): id is string => typeof id === "string");
    expect(ids).toHaveLength(30);
    expect([...seen.keys()].sort()).toEqual([...ids].sort());
  });
});
