import { describe, expect, it } from "vitest";
import {
  ApiValueError,
  decodeRunOutputEvent,
  type RunOutputStream,
  readRunOutputStream,
  readSseMessages,
} from "../../src/index.js";
import { runId, sseFrame, valuesEvent } from "../helpers/fixtures.js";

const encoder = new TextEncoder();

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<RunOutputStream[]> {
  const events: RunOutputStream[] = [];
  for await (const event of readRunOutputStream(body, "stream_op")) events.push(event);
  return events;
}

const events = [
  valuesEvent(1, "héllo ✓"),
  valuesEvent(2, { nested: [1, 2] }),
  {
    id: "3",
    event: "agent_event",
    data: { type: "custom", status: "pending", update: { token: "€" } },
  } satisfies RunOutputStream,
];
const wire = `: keep-alive\n\n${events.map(sseFrame).join(": ping\n\n")}`;
const bytes = encoder.encode(wire);

describe("reading a run's event stream", () => {
  it("decodes the protocol's wire form and skips keep-alive comments", async () => {
    expect(await collect(streamOf([bytes]))).toEqual(events);
  });

  it("gives the same events however the bytes are split, at every boundary", async () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      const parts = [bytes.slice(0, cut), bytes.slice(cut)];
      expect(await collect(streamOf(parts))).toEqual(events);
    }
    const oneByteChunks = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(await collect(streamOf(oneByteChunks))).toEqual(events);
  });

  it("accepts CRLF line ends", async () => {
    const crlf = encoder.encode(wire.replaceAll("\n", "\r\n"));
    expect(await collect(streamOf([crlf]))).toEqual(events);
  });

  it("accepts a data line that carries the whole event", async () => {
    const whole = valuesEvent(7);
    const text = `data: ${JSON.stringify(whole)}\n\n`;
    expect(await collect(streamOf([encoder.encode(text)]))).toEqual([whole]);
  });

  it("drops an event left unterminated when the stream ends, as SSE says", async () => {
    const text = `${sseFrame(valuesEvent(1))}id: 2\nevent: agent_event\ndata: {}`;
    expect((await collect(streamOf([encoder.encode(text)]))).map((e) => e.id)).toEqual(["1"]);
  });

  it("stops reading and cancels the body when the consumer stops early", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode(sseFrame(valuesEvent(1))));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const message of readSseMessages(body)) {
      expect(message.id).toBe("1");
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe("a bad event", () => {
  it("names the operation, the event id and the field", () => {
    const data = JSON.stringify({ type: "values", run_id: runId, status: "done", values: {} });
    let error: unknown;
    try {
      decodeRunOutputEvent({ id: "42", event: "agent_event", data }, "stream_stateless_run_output");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiValueError);
    const message = (error as Error).message;
    expect(message).toContain("stream_stateless_run_output");
    expect(message).toContain('"42"');
    expect(message).toContain("data.status");
    expect((error as ApiValueError).pathToItem).toEqual(["data", "status"]);
  });

  it("is an error when the event type is not agent_event", () => {
    const data = JSON.stringify(valuesEvent(1).data);
    expect(() => decodeRunOutputEvent({ id: "1", event: "other", data }, "op")).toThrow(/event/);
    expect(() => decodeRunOutputEvent({ id: "1", data }, "op")).toThrow(ApiValueError);
  });

  it("is an error when the data is not JSON", () => {
    expect(() =>
      decodeRunOutputEvent({ id: "9", event: "agent_event", data: "{oops" }, "op"),
    ).toThrow(/op: stream event "9": data is not JSON/);
  });

  it("gives an event without id the empty id of SSE, not a made-up one", () => {
    const data = JSON.stringify(valuesEvent(1).data);
    expect(decodeRunOutputEvent({ id: undefined, event: "agent_event", data }, "op")).toEqual({
      ...valuesEvent(1),
      id: "",
    });
  });
});
