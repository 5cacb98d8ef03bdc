import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiAbortError, type RunStateless } from "../../src/index.js";
import {
  type FaultServer,
  faultAgentIds,
  faultClient,
  startFaultServer,
} from "../helpers/fault-servers.js";
import { type FaultProxy, startFaultProxy } from "../helpers/tcp-fault-proxy.js";

let server: FaultServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startFaultServer();
  proxy = await startFaultProxy(server.url);
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

/** Asks the server until the run is no longer pending. */
async function settled(runId: string): Promise<RunStateless> {
  const direct = faultClient(server.url);
  return vi.waitUntil(
    async () => {
      const run = await direct.getStatelessRun(runId);
      return run.status === "pending" ? undefined : run;
    },
    { timeout: 20_000, interval: 20 },
  );
}

/** The one run of the slow agent whose input text is `text`. */
async function runWithText(text: string): Promise<RunStateless> {
  const runs = await faultClient(server.url).searchStatelessRuns({ agent_id: faultAgentIds.slow });
  const mine = runs.filter((r) => (r.creation.input as { text?: string }).text === text);
  expect(mine).toHaveLength(1);
  return mine[0] as RunStateless;
}

describe("an AbortSignal fired mid-run", () => {
  it("while streaming: the client stops with ApiAbortError and the server cancels the run", async () => {
    const abortedBefore = server.gate.aborted;
    const controller = new AbortController();
    const client = faultClient(proxy.url);
    const stream = client.createAndStreamStatelessRunOutput(
      { agent_id: faultAgentIds.slow, input: { text: "stream" }, stream_mode: "custom" },
      { signal: controller.signal },
    );
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const event of stream) {
        seen.push(event.data);
        controller.abort();
      }
    })().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiAbortError);
    expect(seen).toEqual([
      expect.objectContaining({ type: "custom", update: { phase: "started" } }),
    ]);
    const run = await settled(stream.runId as string);
    expect(run.status).toBe("error");
    expect(server.gate.aborted).toBe(abortedBefore + 1);
  });

  it("while waiting for the output: the server cancels the run the client left", async () => {
    const abortedBefore = server.gate.aborted;
    const startedBefore = server.gate.started;
    const controller = new AbortController();
    const client = faultClient(proxy.url);
    const waiting = client
      .createAndWaitForStatelessRunOutput(
        { agent_id: faultAgentIds.slow, input: { text: "wait" } },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    await server.gate.waitForStarted(startedBefore + 1);
    controller.abort();

    expect(await waiting).toBeInstanceOf(ApiAbortError);
    const run = await settled((await runWithText("wait")).run_id);
    expect(run.status).toBe("error");
    expect(server.gate.aborted).toBe(abortedBefore + 1);
  });
});
