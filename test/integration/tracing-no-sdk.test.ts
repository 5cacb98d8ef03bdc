/**
 * With `@opentelemetry/api` installed and no SDK registered (this file's process
 * registers none): the client, `ACPNode` and the server make no span at all (no tracer
 * is asked for), send no trace headers even when the caller's context holds baggage,
 * and the graph callbacks for tracing are none.
 */
import type { IncomingHttpHeaders } from "node:http";
import { context, propagation, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { agentCallsUnrecorded, otelApi, tracingReady } from "../../src/core/tracing.js";
import { ACPClient } from "../../src/index.js";
import { openTelemetryCallbacks } from "../../src/langgraph/index.js";
import { remoteJobGraph } from "../helpers/acp-node-parent.js";
import { startFaultProxy as startRecorder } from "../helpers/fault-proxy.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";

let running: TestACPServer;
let recorder: Awaited<ReturnType<typeof startRecorder>>;
const arrived: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  running = await startACPServer();
  // A pass-through hop in front of the server that writes down each request's headers.
  recorder = await startRecorder(running.url, (req) => {
    arrived.push(req.headers);
    return false;
  });
});

afterAll(async () => {
  await recorder?.close();
  await running?.close();
});

describe("with the OpenTelemetry API and no SDK registered", () => {
  it("no span is made and no trace header sent, by the client, ACPNode or the server", async () => {
    await tracingReady();
    expect(otelApi()).toBeUndefined();
    expect(agentCallsUnrecorded()).toBe(true);
    expect(await openTelemetryCallbacks()).toEqual([]);

    const tracers = vi.spyOn(trace, "getTracer");
    let tracersAsked = -1;
    const client = new ACPClient({ configuration: { host: recorder.url } });
    // The caller's context holds baggage: with no propagator registered none goes out.
    const baggage = propagation.createBaggage({ tenant: { value: "acme" } });
    try {
      await context.with(propagation.setBaggage(context.active(), baggage), async () => {
        const waited = await client.createAndWaitForStatelessRunOutput({
          agent_id: agentIds.echo,
          input: { text: "waited" },
        });
        expect(waited.output).toMatchObject({ values: { reply: "echo: waited" } });
        const events = [];
        for await (const event of client.createAndStreamStatelessRunOutput({
          agent_id: agentIds.echo,
          input: { text: "streamed" },
          stream_mode: "values",
        })) {
          events.push(event);
        }
        expect(events.at(-1)?.data).toMatchObject({ values: { reply: "echo: streamed" } });
        const graph = remoteJobGraph({ agentId: agentIds.echo, client });
        const result = await graph.invoke({ job: { input: { text: "node" } } });
        expect(result.job.output).toMatchObject({ reply: "echo: node" });
      });
      // A caller's traceparent is answered as any request.
      const traced = await fetch(`${running.url}/runs/wait`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        },
        body: JSON.stringify({ agent_id: agentIds.echo, input: { text: "traced" } }),
      });
      expect(traced.status).toBe(200);
    } finally {
      await client.close();
      tracersAsked = tracers.mock.calls.length;
      tracers.mockRestore();
    }
    expect(tracersAsked).toBe(0);
    expect(arrived.length).toBeGreaterThanOrEqual(3);
    const sent = arrived.flatMap((headers) =>
      ["traceparent", "tracestate", "baggage", "langsmith-trace"].filter(
        (name) => headers[name] !== undefined,
      ),
    );
    expect(sent).toEqual([]);
  });
});
