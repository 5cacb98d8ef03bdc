import { describe, expect, it } from "vitest";
import type { RunOutputStream } from "../../src/index.js";
import { faultAgentIds, faultClient, useFaultServer } from "../helpers/fault-servers.js";
import { inTurn } from "../helpers/tcp-fault-proxy.js";

const faults = useFaultServer();
const { proxyWith } = faults;

const run = {
  agent_id: faultAgentIds.custom,
  input: { count: 100 },
  stream_mode: "custom" as const,
  on_disconnect: "continue" as const,
};

/** Every event of a finished run, replayed by the server from the start. */
async function allEvents(runId: string): Promise<RunOutputStream[]> {
  const direct = faultClient(faults.server.url);
  const events: RunOutputStream[] = [];
  for await (const event of direct.streamStatelessRunOutput(runId, { lastEventId: "0" })) {
    events.push(event);
  }
  return events;
}

describe("a stream whose connection drops midway", () => {
  it.each([
    ["inside a later event", [2_500]],
    ["twice in a row, each time after some events", [1_800, 1_500]],
    ["three times, the last one inside the headers of the re-join", [2_000, 3_000, 40]],
  ])("re-joins with Last-Event-ID when cut %s: every event once, in order", async (_, cuts) => {
    const p = await proxyWith(
      inTurn(...cuts.map((bytes) => ({ kind: "dropAfterBytes" as const, bytes }))),
    );
    const client = faultClient(p.url, { retries: 3 });
    const stream = client.createAndStreamStatelessRunOutput(run);
    const seen: RunOutputStream[] = [];
    for await (const event of stream) seen.push(event);

    expect(p.connections).toBe(cuts.length + 1);
    const runId = stream.runId;
    expect(runId).toBeDefined();
    const expected = await allEvents(runId as string);
    expect(expected.filter((e) => e.data.type === "custom")).toHaveLength(100);
    expect(seen.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(seen).toEqual(expected);
  });

  it("re-joins a run-creating stream cut before its first event from the start: every event once, in order, the run made once", async () => {
    // The answer's head (with Content-Location) is about 250 bytes and the first
    // event ends near byte 400, so the cut falls inside the first event.
    const p = await proxyWith(inTurn({ kind: "dropAfterBytes", bytes: 300 }));
    const client = faultClient(p.url, { retries: 3 });
    const text = `cut-before-first-${Date.now()}`;
    const stream = client.createAndStreamStatelessRunOutput({
      agent_id: faultAgentIds.counting,
      input: { text },
      stream_mode: "values",
    });
    const seen: RunOutputStream[] = [];
    for await (const event of stream) seen.push(event);

    const made = await faultClient(faults.server.url).searchStatelessRuns({
      agent_id: faultAgentIds.counting,
    });
    const mine = made.filter((r) => (r.creation.input as { text?: string }).text === text);
    expect(mine).toHaveLength(1);
    expect(stream.runId).toBe(mine[0]?.run_id);
    expect(p.connections).toBe(2);
    const expected = await allEvents(mine[0]?.run_id as string);
    expect(expected.length).toBeGreaterThan(0);
    expect(seen).toEqual(expected);
    expect(seen.at(-1)?.data).toMatchObject({
      status: "success",
      values: { reply: `done: ${text}` },
    });
  });

  it("gives up with a typed error when every re-join is cut too, after the events it got", async () => {
    const p = await proxyWith((n) => ({ kind: "dropAfterBytes", bytes: n === 1 ? 2_000 : 10 }));
    const client = faultClient(p.url, { retries: 2 });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of client.createAndStreamStatelessRunOutput(run)) seen.push(event.id);
    })().catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "ApiStreamRejoinError" });
    expect((error as Error).message).toContain(`after event ${seen.at(-1)}`);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual(seen.map((_, i) => String(i + 1)));
    // The first connection, then one connection per re-join: a re-join is a single
    // attempt (no transport retries inside it), and `retries` bounds the re-joins.
    expect(p.connections).toBe(1 + 2);
  });
});
