/**
 * Reading run streams a chunk at a time: what each read hands out, where a cut-off
 * frame is told from a whole one, and how the event stream reads the run id off
 * its response. Bodies are in-memory streams; responses are built, not fetched.
 */
import { describe, expect, it } from "vitest";
import { RunEventStream, type RunEventStreamSource } from "../../src/client/run-stream.js";
import { RunOutputReader, SseMessageReader } from "../../src/client/sse.js";
import { ApiStreamRejoinError, ApiValueError, type RunOutputStream } from "../../src/index.js";
import { runId, sseFrame, valuesEvent } from "../helpers/fixtures.js";

const encoder = new TextEncoder();

/** A body that hands out `chunks` one read at a time, and says whether it was cancelled. */
function bodyOf(chunks: string[]): { body: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  let next = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[next++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(encoder.encode(chunk));
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, cancelled: () => cancelled };
}

async function readAll(reader: RunOutputReader): Promise<{ reads: string[][]; error: unknown }> {
  const reads: string[][] = [];
  try {
    for (let batch = await reader.read(); batch; batch = await reader.read()) {
      reads.push(batch.map((e) => e.id));
    }
    return { reads, error: undefined };
  } catch (error) {
    return { reads, error };
  }
}

const frames = (...ids: number[]) => ids.map((n) => sseFrame(valuesEvent(n))).join("");

describe("RunOutputReader", () => {
  it("hands out every event a chunk completes in one read, and waits for chunks that complete none", async () => {
    const whole = frames(3);
    const { body } = bodyOf([frames(1, 2), whole.slice(0, 10), whole.slice(10) + frames(4, 5, 6)]);
    const { reads, error } = await readAll(new RunOutputReader(body, "op"));
    expect(error).toBeUndefined();
    expect(reads).toEqual([
      ["1", "2"],
      ["3", "4", "5", "6"],
    ]);
  });

  it("hands out the good events of a chunk before the bad one, then fails, and closes the body", async () => {
    const bad = 'id: 3\nevent: agent_event\ndata: {"type": "values"}\n\n';
    const { body, cancelled } = bodyOf([frames(1, 2) + bad + frames(4), frames(5)]);
    const { reads, error } = await readAll(new RunOutputReader(body, "op"));
    expect(reads).toEqual([["1", "2"]]);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as Error).message).toMatch(
      /^op: stream event "3" is not a valid RunOutputStream/,
    );
    expect(cancelled()).toBe(true);
  });

  it.each([
    ["inside a data line", `${frames(1)}id: 2\nevent: agent_event\ndata: {"ty`],
    ["after a data line", `${frames(1)}id: 2\nevent: agent_event\ndata: {}\n`],
    ["after a data line without its blank line", `${frames(1)}${frames(2).slice(0, -1)}`],
    ["in a CRLF frame", `${frames(1)}${frames(2).replaceAll("\n", "\r\n").slice(0, -2)}`],
  ])("tells a body that ended %s from a whole one", async (_, text) => {
    const strict = await readAll(
      new RunOutputReader(bodyOf([text]).body, "op", { partialFrame: "error" }),
    );
    expect(strict.reads).toEqual([["1"]]);
    expect(strict.error).toBeInstanceOf(ApiValueError);
    expect((strict.error as Error).message).toBe(
      'op: the stream ended after event "1" in the middle of an event (its frame has no closing blank line)',
    );
    const lenient = await readAll(new RunOutputReader(bodyOf([text]).body, "op"));
    expect(lenient).toEqual({ reads: [["1"]], error: undefined });
  });

  it.each([
    ["LF", frames(1, 2)],
    ["CRLF", frames(1, 2).replaceAll("\n", "\r\n")],
    ["CR", frames(1, 2).replaceAll("\n", "\r")],
    ["a trailing comment frame", `${frames(1, 2)}: keep-alive\n\n`],
    ["a trailing comment without a line end", `${frames(1, 2)}:`],
    ["a block without data", `${frames(1, 2)}id: 3\nevent: agent_event\n`],
    ["its last blank line in a chunk of its own", [frames(1, 2).slice(0, -1), "\n"]],
  ])("ends cleanly after whole frames with %s line ends", async (_, text) => {
    const chunks = Array.isArray(text) ? text : [text];
    const { reads, error } = await readAll(
      new RunOutputReader(bodyOf(chunks).body, "op", { partialFrame: "error" }),
    );
    expect(error).toBeUndefined();
    expect(reads.flat()).toEqual(["1", "2"]);
  });

  it("ends cleanly on an empty body", async () => {
    const reader = new RunOutputReader(bodyOf([]).body, "op", { partialFrame: "error" });
    expect(await reader.read()).toBeUndefined();
  });
});

describe("SseMessageReader", () => {
  it("cancels the body when stopped before its end, and not after", async () => {
    const open = bodyOf([frames(1), frames(2)]);
    const reader = new SseMessageReader(open.body);
    expect((await reader.read())?.map((m) => m.id)).toEqual(["1"]);
    await reader.cancel();
    expect(open.cancelled()).toBe(true);

    const ended = bodyOf([frames(1)]);
    const whole = new SseMessageReader(ended.body);
    while (await whole.read());
    await whole.cancel();
    expect(ended.cancelled()).toBe(false);
    expect(whole.endedInsideFrame).toBe(false);
  });
});

/** A source whose first answer is `first` and that may not re-join. */
function sourceOf(first: () => Response): RunEventStreamSource {
  return {
    operationId: "create_and_stream_stateless_run_output",
    open: async () => first(),
    rejoin: () => undefined,
    retries: 1,
  };
}

const sseResponse = (text: string, headers: Record<string, string> = {}) =>
  new Response(text, { headers: { "content-type": "text/event-stream", ...headers } });

describe("RunEventStream", () => {
  it("delivers events in order to calls of next() that do not wait for each other", async () => {
    const stream = new RunEventStream(sourceOf(() => sseResponse(frames(1, 2, 3))));
    const iterator = stream[Symbol.asyncIterator]();
    const results = await Promise.all([1, 2, 3, 4].map(() => iterator.next()));
    expect(results.map((r) => (r.done ? "done" : r.value.id))).toEqual(["1", "2", "3", "done"]);
    expect(stream.lastEventId).toBe("3");
    expect(stream.runId).toBe(runId);
  });

  it("can be iterated only once", async () => {
    const stream = new RunEventStream(sourceOf(() => sseResponse(frames(1))));
    for await (const _ of stream);
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toThrow(
      /a stream can be iterated only once/,
    );
  });

  it("closes the body when the consumer stops early", async () => {
    const open = bodyOf([frames(1), frames(2)]);
    const stream = new RunEventStream(sourceOf(() => new Response(open.body)));
    for await (const event of stream) {
      expect(event.id).toBe("1");
      break;
    }
    expect(open.cancelled()).toBe(true);
  });

  it.each([
    ["a relative run path", `/runs/${runId}`, runId],
    ["a thread run path", `/threads/t-9/runs/${runId}`, runId],
    ["an absolute URL with a query", `https://acp.example/api/runs/${runId}/?x=1#top`, runId],
    ["an encoded id", "/runs/a%20b%2Fc", "a b/c"],
    ["a path that names no run", "/threads/t-9", undefined],
    ["an empty run segment", "/runs/", undefined],
    ["a bad escape", "/runs/%zz", undefined],
  ])("takes the run id from a Content-Location of %s", async (_, location, expected) => {
    const cut = frames(1).slice(0, -2);
    const stream = new RunEventStream(
      sourceOf(() => sseResponse(cut, { "content-location": location })),
    );
    const iterator = stream[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toBeInstanceOf(ApiValueError);
    expect(stream.runId).toBe(expected);
  });

  it("keeps the Content-Location run id when the events name none", async () => {
    const custom: RunOutputStream = {
      id: "1",
      event: "agent_event",
      data: { type: "custom", status: "pending", update: {} },
    };
    const stream = new RunEventStream(
      sourceOf(() => sseResponse(sseFrame(custom), { "content-location": "/runs/from-header" })),
    );
    for await (const _ of stream);
    expect(stream.runId).toBe("from-header");
  });

  it("fails with ApiStreamRejoinError when the source cannot re-join", async () => {
    let pulls = 0;
    const drop = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulls++ === 0) controller.enqueue(encoder.encode(frames(1)));
          else controller.error(new TypeError("terminated"));
        },
      },
      { highWaterMark: 0 },
    );
    const stream = new RunEventStream(sourceOf(() => new Response(drop)));
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.id);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["1"]);
    expect(error).toBeInstanceOf(ApiStreamRejoinError);
    expect((error as ApiStreamRejoinError).lastEventId).toBe("1");
  });
});
