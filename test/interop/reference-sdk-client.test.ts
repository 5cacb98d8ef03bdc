/**
 * Our server, read the way the Python reference SDK reads it: its SSE reader
 * (`agntcy_acp/server_side_events.py`, see `reference-sdk-sse-reader.ts`), its models'
 * strictness and its `ACPNode`'s interrupt handling (`reference-sdk-models.ts`), over
 * real HTTP on 127.0.0.1.
 */
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACPClient, ApiClientConfiguration } from "../../src/index.js";
import {
  type ACPAgentOptions,
  deriveAgentId,
  type InterruptPayloadShape,
} from "../../src/server/index.js";
import { echoAgent, interruptTwiceAgent } from "../helpers/graphs.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";
import {
  ReferenceSdkValueError,
  referenceNodeInterruptValue,
  toRunOutput,
  toRunOutputStream,
} from "./reference-sdk-models.js";
import { ReferenceSdkSseReader, readLikeReferenceSdk } from "./reference-sdk-sse-reader.js";

const encoder = new TextEncoder();

const ApprovalState = Annotation.Root({ approved: Annotation<boolean> });

/** Asks for approval with a plain string, which the spec allows as an interrupt payload. */
function approvalAgent(): ACPAgentOptions {
  const graph = new StateGraph(ApprovalState)
    .addNode("ask", () => ({ approved: interrupt("approve the plan?") as boolean }))
    .addEdge(START, "ask")
    .addEdge("ask", END)
    .compile();
  return {
    graph,
    descriptor: {
      metadata: { ref: { name: "test.approval", version: "1.0.0" }, description: "asks" },
      specs: {
        capabilities: { threads: true, interrupts: true, callbacks: false },
        input: { type: "object" },
        output: { type: "object" },
        config: { type: "object" },
        interrupts: [
          {
            interrupt_type: "approval",
            interrupt_payload: { type: "string" },
            resume_payload: { type: "boolean" },
          },
        ],
      },
    },
  };
}
const approvalId = deriveAgentId("test.approval", "1.0.0");

async function post(base: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function postJson(base: string, path: string, body: unknown) {
  const response = await post(base, path, body);
  expect(response.status, path).toBe(200);
  return response.json();
}

/** Every event the reference reader dispatched, built into its `RunOutputStream`s (throws as the SDK does). */
function asReferenceSdk(reader: ReferenceSdkSseReader) {
  for (const event of reader.dispatched) toRunOutputStream(event);
  return reader.events.map(toRunOutputStream);
}

describe("the reference SDK's SSE reader, on bytes alone", () => {
  it("dispatches a comment followed by a blank line as an empty event it cannot read", () => {
    const reader = new ReferenceSdkSseReader();
    reader.feed(encoder.encode(": keep-alive\n\n"));
    expect(reader.dispatched).toEqual([
      { eventType: "agent_event", eventData: "", lastEventId: "" },
    ]);
    expect(() => asReferenceSdk(reader)).toThrow(
      /No match found when deserializing the JSON string into StreamEventPayload/,
    );
  });

  it("cuts a data line at U+2028, which JSON.stringify leaves unescaped", () => {
    const reader = new ReferenceSdkSseReader();
    const data = JSON.stringify({ type: "custom", status: "pending", update: { t: "a\u2028b" } });
    reader.feed(encoder.encode(`id: 1\nevent: agent_event\ndata: ${data}\n\n`));
    expect(() => asReferenceSdk(reader)).toThrow(ReferenceSdkValueError);
  });
});

describe("our server's streams read by the reference SDK", () => {
  let streams: TestACPServer;

  beforeAll(async () => {
    streams = await startACPServer({ keepAliveMs: 5 });
  });

  afterAll(async () => {
    streams?.gate.release();
    await streams?.close();
  });

  it("reads every event of a stream that stays idle across keep-alives", async () => {
    const response = await post(streams.url, "/runs/stream", {
      agent_id: agentIds.slow,
      input: { text: "idle" },
      stream_mode: ["values", "custom"],
    });
    expect(response.status).toBe(200);
    let keepAlives = 0;
    const { reader, raw } = await readLikeReferenceSdk(
      response.body as ReadableStream<Uint8Array>,
      (text) => {
        keepAlives = text.split(": keep-alive").length - 1;
        // Idle for several keep-alive intervals, then the slow step ends.
        if (keepAlives >= 3) streams.gate.release();
      },
    );
    expect(keepAlives).toBeGreaterThanOrEqual(3);
    expect(raw).toContain(": keep-alive\n");
    expect(raw).not.toContain(": keep-alive\n\n");
    const events = asReferenceSdk(reader);
    expect(events.map((e) => e.id)).toEqual(["1", "2", "3"]);
    expect(events.map((e) => e.model)).toEqual([
      "ValueRunResultUpdate",
      "CustomRunResultUpdate",
      "ValueRunResultUpdate",
    ]);
    expect(events.at(-1)?.data).toMatchObject({
      status: "success",
      values: { reply: "done: idle" },
    });
  });

  it("reads values holding the characters Python's splitlines breaks at", async () => {
    const text = "a\u2028b\u2029c\u0085d\u000be\u001cf";
    const response = await post(streams.url, "/runs/stream", {
      agent_id: agentIds.echo,
      input: { text },
    });
    const { reader, raw } = await readLikeReferenceSdk(response.body as ReadableStream<Uint8Array>);
    expect(raw).not.toMatch(/[\u2028\u2029\u0085]/);
    const events = asReferenceSdk(reader);
    expect(events.at(-1)?.data).toMatchObject({
      status: "success",
      values: { reply: `echo: ${text}` },
    });
  });
});

describe.each<InterruptPayloadShape>(["spec", "reference"])(
  "our server (interruptPayloadShape %s) read by the reference SDK",
  (shape) => {
    let running: TestACPServer;
    let client: ACPClient;

    beforeAll(async () => {
      running = await startACPServer({
        keepAliveMs: 5,
        interruptPayloadShape: shape,
        agents: [echoAgent(), interruptTwiceAgent(), approvalAgent()],
      });
      client = new ACPClient({ configuration: new ApiClientConfiguration({ host: running.url }) });
    });

    afterAll(async () => {
      await client?.close();
      await running?.close();
    });

    it("streams an interrupt event carrying the graph's value as it is", async () => {
      const response = await post(running.url, "/runs/stream", {
        agent_id: agentIds.interrupt,
        input: { topic: "tea" },
      });
      const { reader } = await readLikeReferenceSdk(response.body as ReadableStream<Uint8Array>);
      const last = asReferenceSdk(reader).at(-1);
      expect(last?.model).toBe("ValueRunInterruptUpdate");
      expect(last?.data).toMatchObject({
        status: "interrupted",
        interrupt: { interrupt_type: "question", question: "first about tea?" },
      });
    });

    it("leads the reference ACPNode through two interrupts and their resumes in wait mode", async () => {
      const first = await postJson(running.url, "/runs/wait", {
        agent_id: agentIds.interrupt,
        input: { topic: "tea" },
      });
      const runId = first.run.run_id as string;
      const surfaced = referenceNodeInterruptValue(first.output);
      if (shape === "reference") {
        expect(first.output.interrupt).toEqual({
          question: { interrupt_type: "question", question: "first about tea?" },
        });
        expect(surfaced).toEqual({ interrupt_type: "question", question: "first about tea?" });
      } else {
        // The spec's shape: the reference ACPNode surfaces the first field, not the payload.
        expect(surfaced).toBe("question");
      }
      await postJson(running.url, `/runs/${runId}`, { answer: "green" });
      const second = await (await fetch(`${running.url}/runs/${runId}/wait`)).json();
      expect(referenceNodeInterruptValue(second.output)).toEqual(
        shape === "reference" ? { interrupt_type: "question", question: "second?" } : "question",
      );
      await postJson(running.url, `/runs/${runId}`, { answer: "now" });
      const done = await (await fetch(`${running.url}/runs/${runId}/wait`)).json();
      expect(toRunOutput(done.output)).toEqual({
        model: "RunResult",
        value: { type: "result", values: { topic: "tea", answers: ["green", "now"] } },
      });
    });

    it("answers a non-object interrupt in a shape the reference models can or cannot read", async () => {
      const waited = await postJson(running.url, "/runs/wait", { agent_id: approvalId, input: {} });
      if (shape === "reference") {
        expect(waited.output.interrupt).toEqual({ approval: "approve the plan?" });
        expect(referenceNodeInterruptValue(waited.output)).toBe("approve the plan?");
      } else {
        expect(waited.output.interrupt).toBe("approve the plan?");
        expect(() => referenceNodeInterruptValue(waited.output)).toThrow(
          /No match found when deserializing the JSON string into RunOutput/,
        );
      }
    });

    it("answers our own client in the shape chosen, which its models accept", async () => {
      const waited = await client.createAndWaitForStatelessRunOutput({
        agent_id: approvalId,
        input: {},
      });
      expect(waited.output).toEqual({
        type: "interrupt",
        interrupt: shape === "reference" ? { approval: "approve the plan?" } : "approve the plan?",
        // Every interrupt with its id, each value as the graph gave it in both shapes.
        interrupts: [{ id: expect.any(String), value: "approve the plan?" }],
      });
    });

    it("reports a cancelled run as an error, which the reference models read as RunError", async () => {
      const asked = await postJson(running.url, "/runs/wait", {
        agent_id: agentIds.interrupt,
        input: { topic: "x" },
      });
      const runId = asked.run.run_id as string;
      const cancel = await fetch(`${running.url}/runs/${runId}/cancel?wait=true`, {
        method: "POST",
      });
      expect(cancel.status).toBe(204);
      const waited = await (await fetch(`${running.url}/runs/${runId}/wait`)).json();
      expect(waited.run.status).toBe("error");
      expect(toRunOutput(waited.output)).toEqual({
        model: "RunError",
        value: { type: "error", run_id: runId, errcode: 499, description: "the run was cancelled" },
      });
    });
  },
);
