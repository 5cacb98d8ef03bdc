/**
 * Event-stream bodies read as the WHATWG rules read them: comments anywhere, also
 * glued to the next line; blocks without data are no events; CRLF and CR line ends;
 * an event without id keeps the last id. Bodies arrive one character at a time as
 * well as whole, so no rule depends on where the network cuts.
 */
import { describe, expect, it } from "vitest";
import { readRunOutputStream } from "../../src/client/sse.js";
import type { RunOutputStream } from "../../src/index.js";

const encoder = new TextEncoder();

function bodyOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(encoder.encode(chunk));
    },
  });
}

/** What the reader hands out: `id:step` for each event. */
async function read(text: string, split: "whole" | "chars") {
  const chunks = split === "whole" ? [text] : [...text];
  const got: string[] = [];
  const body = bodyOf(chunks);
  for await (const event of readRunOutputStream(body, "op", { partialFrame: "error" })) {
    got.push(`${event.id}:${(event.data as unknown as { values: { step: number } }).values.step}`);
  }
  return got;
}

const data = (step: number) =>
  `data: {"type": "values", "run_id": "r", "status": "pending", "values": {"step": ${step}}}`;

const cases: [string, string, string[]][] = [
  [
    "a bare ':' keep-alive glued in front of the next id line (the Python reference server)",
    `id: 1\nevent: agent_event\n${data(1)}\n\n::id: 2\nevent: agent_event\n${data(2)}\n\nid: 3\nevent: agent_event\n${data(3)}\n\n`,
    ["1:1", "1:2", "3:3"],
  ],
  ["a trailing ':' at the end of the body", `id: 1\nevent: agent_event\n${data(1)}\n\n:`, ["1:1"]],
  [
    "comment lines inside a frame",
    `: hello\nid: 1\n: between\nevent: agent_event\n${data(1)}\n: after data\n\n`,
    ["1:1"],
  ],
  [
    "a block without data between events",
    `id: 1\nevent: agent_event\n${data(1)}\n\nevent: agent_event\n\n: x\n\nid: 2\nevent: agent_event\n${data(2)}\n\n`,
    ["1:1", "2:2"],
  ],
  [
    "CRLF line ends",
    `id: 1\r\nevent: agent_event\r\n${data(1)}\r\n\r\n:\r\nevent: agent_event\r\n${data(2)}\r\n\r\n`,
    ["1:1", "1:2"],
  ],
  [
    "CR line ends, the last one at the very end",
    `id: 7\revent: agent_event\r${data(1)}\r\revent: agent_event\r${data(2)}\r\r`,
    ["7:1", "7:2"],
  ],
  ["no id at all: the empty id, nothing made up", `event: agent_event\n${data(1)}\n\n`, [":1"]],
  [
    "an empty id line resetting the last id",
    `id: 4\nevent: agent_event\n${data(1)}\n\nid:\nevent: agent_event\n${data(2)}\n\n`,
    ["4:1", ":2"],
  ],
];

describe("reading an event stream by the WHATWG rules", () => {
  for (const [name, text, expected] of cases) {
    it(`${name}, whole`, async () => {
      expect(await read(text, "whole")).toEqual(expected);
    });
    it(`${name}, one character at a time`, async () => {
      expect(await read(text, "chars")).toEqual(expected);
    });
  }

  it("still fails a body cut inside an event that has data", async () => {
    const text = `id: 1\nevent: agent_event\n${data(1)}\n\nid: 2\nevent: agent_event\n${data(2)}`;
    await expect(read(text, "whole")).rejects.toThrow(
      /ended after event "1" in the middle of an event/,
    );
  });

  it("keeps the id of an earlier connection for an event that brings none", async () => {
    const events: RunOutputStream[] = [];
    const body = bodyOf([`event: agent_event\n${data(5)}\n\n`]);
    for await (const event of readRunOutputStream(body, "op", { lastEventId: "41" })) {
      events.push(event);
    }
    expect(events.map((e) => e.id)).toEqual(["41"]);
  });
});
