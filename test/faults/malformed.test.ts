import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ApiValueError, type RunOutputStream } from "../../src/index.js";
import { faultClient } from "../helpers/fault-servers.js";
import { agentId, runId, sseFrame, statelessRun, valuesEvent } from "../helpers/fixtures.js";
import { sendJson, startServer, type TestServer } from "../helpers/http-server.js";
import { drop, startSse, write, writeEvents } from "../helpers/sse-server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const waitAnswer = {
  run: { ...statelessRun, status: "success" },
  output: { type: "result", values: { ok: 1 } },
};
const create = { agent_id: agentId, input: { x: 1 } };

/** Collects a stream's events until it ends or fails; the failure is returned, not thrown. */
async function collect(
  stream: AsyncIterable<RunOutputStream>,
): Promise<{ ids: string[]; error: unknown }> {
  const ids: string[] = [];
  try {
    for await (const event of stream) ids.push(event.id);
    return { ids, error: undefined };
  } catch (error) {
    return { ids, error };
  }
}

describe("a malformed JSON body", () => {
  it("is an ApiValueError naming the operation, and the next answer parses", async () => {
    server = await startServer((_req, res, _body, hit) => {
      if (hit === 1) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"run": {"run_id": "');
        return;
      }
      sendJson(res, 200, waitAnswer);
    });
    const client = faultClient(server.url);
    const error = await client.createAndWaitForStatelessRunOutput(create).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as Error).message).toMatch(
      /^create_and_wait_for_stateless_run_output: the response body is not JSON/,
    );
    expect(await client.createAndWaitForStatelessRunOutput(create)).toEqual(waitAnswer);
  });

  it("that is JSON of the wrong shape is an ApiValueError naming the field", async () => {
    server = await startServer((_req, res) =>
      sendJson(res, 200, { ...waitAnswer, run: { ...waitAnswer.run, status: "finished" } }),
    );
    const error = await faultClient(server.url)
      .createAndWaitForStatelessRunOutput(create)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as ApiValueError).pathToItem).toEqual(["run", "status"]);
    expect((error as Error).message).toContain("create_and_wait_for_stateless_run_output");
  });
});

/** A stream server that writes events 1 and 2, then `bad`, then events 4 and 5. */
async function streamWith(bad: string): Promise<TestServer> {
  return startServer(async (_req, res: ServerResponse) => {
    startSse(res);
    await writeEvents(res, [valuesEvent(1), valuesEvent(2)]);
    await write(res, bad);
    await writeEvents(res, [valuesEvent(4), valuesEvent(5)]);
    res.end();
  });
}

describe("a bad event in a stream", () => {
  it("whose data is not JSON stops the stream with an ApiValueError naming the event", async () => {
    server = await streamWith('id: 3\nevent: agent_event\ndata: {"type": "values", "run_\n\n');
    const { ids, error } = await collect(faultClient(server.url).streamStatelessRunOutput(runId));
    expect(ids).toEqual(["1", "2"]);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as Error).message).toMatch(
      /stream_stateless_run_output: stream event "3": data is not JSON/,
    );
  });

  it("that fails its schema stops the stream with an ApiValueError naming event and field", async () => {
    const wrong = { type: "values", run_id: runId, status: "finished", values: {} };
    server = await streamWith(`id: 3\nevent: agent_event\ndata: ${JSON.stringify(wrong)}\n\n`);
    const { ids, error } = await collect(faultClient(server.url).streamStatelessRunOutput(runId));
    expect(ids).toEqual(["1", "2"]);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as Error).message).toContain('stream event "3"');
    expect((error as ApiValueError).pathToItem).toContain("status");
  });

  it("cut inside a frame by a dropped connection is not glued to the re-joined stream", async () => {
    const events = [1, 2, 3, 4, 5].map((n) => valuesEvent(n));
    const joins: Array<string | undefined> = [];
    server = await startServer(async (req, res) => {
      const last = req.headers["last-event-id"];
      joins.push(last as string | undefined);
      startSse(res);
      if (last === undefined) {
        await writeEvents(res, events.slice(0, 2));
        const third = sseFrame(events[2] as RunOutputStream);
        await write(res, third.slice(0, third.length - 20));
        await drop(res);
        return;
      }
      await writeEvents(res, events.slice(Number(last)));
      res.end();
    });
    const { ids, error } = await collect(faultClient(server.url).streamStatelessRunOutput(runId));
    expect(error).toBeUndefined();
    expect(joins).toEqual([undefined, "2"]);
    expect(ids).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("cut inside a frame by a server that ends the body is a typed error, not a silent end", async () => {
    server = await startServer(async (_req, res) => {
      startSse(res);
      await writeEvents(res, [valuesEvent(1), valuesEvent(2)]);
      const third = sseFrame(valuesEvent(3));
      await write(res, third.slice(0, third.length - 20));
      res.end();
    });
    const { ids, error } = await collect(faultClient(server.url).streamStatelessRunOutput(runId));
    expect(ids).toEqual(["1", "2"]);
    expect(error).toBeInstanceOf(ApiValueError);
    expect((error as Error).message).toMatch(
      /^stream_stateless_run_output: the stream ended after event "2" in the middle of an event/,
    );
  });
});
