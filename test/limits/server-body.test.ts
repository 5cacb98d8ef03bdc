/**
 * The server's `maxBodyBytes`: a body over it is refused with a 413 that names the
 * limit, whether its length is declared or it arrives chunked, and nothing of it runs;
 * a body within it, cut anywhere (even inside a UTF-8 character), is read whole.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createACPServer } from "../../src/server/index.js";
import { echoAgent } from "../helpers/graphs.js";
import { agentIds, raw, startACPServer, type TestACPServer } from "../helpers/server.js";

const LIMIT = 4096;

/** Posts `chunks` to `path` with chunked transfer encoding (no content-length). */
function postChunked(
  base: string,
  path: string,
  chunks: Buffer[],
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method: "POST", headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    // The server may answer and close before the last chunks are written.
    req.on("error", reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

/** `text` in pieces of `size` bytes: the cuts fall inside multi-byte characters. */
function pieces(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, "utf8");
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

describe("maxBodyBytes over Node's HTTP server", () => {
  let running: TestACPServer;
  beforeAll(async () => {
    running = await startACPServer({ maxBodyBytes: LIMIT });
  });
  afterAll(async () => {
    running.gate.release();
    await running.close();
  });

  const storedRuns = async () =>
    (await raw(running.url, "POST", "/runs/search", { agent_id: agentIds.echo })).body as unknown[];

  it("refuses a chunked body past the limit with a 413 naming it, and runs nothing", async () => {
    const body = JSON.stringify({ agent_id: agentIds.echo, input: { text: "x".repeat(LIMIT) } });
    const before = (await storedRuns()).length;
    const answer = await postChunked(running.url, "/runs/wait", pieces(body, 1000));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toBe(
      `the request body is larger than the server's maxBodyBytes (${LIMIT} bytes)`,
    );
    expect((await storedRuns()).length).toBe(before);
  });

  it("refuses a declared content-length past the limit on any path", async () => {
    const body = "x".repeat(LIMIT + 1);
    for (const path of ["/runs/wait", "/no/such/operation"]) {
      const answer = await raw(running.url, "POST", path, body);
      expect(answer.status).toBe(413);
      expect(answer.body).toMatch(/maxBodyBytes \(4096 bytes\)/);
    }
  });

  it("reads a chunked body within the limit whole, across cuts inside characters", async () => {
    const text = "héllo wörld ✓ ".repeat(20);
    const body = JSON.stringify({ agent_id: agentIds.echo, input: { text } });
    expect(Buffer.byteLength(body)).toBeLessThan(LIMIT);
    const answer = await postChunked(running.url, "/runs/wait", pieces(body, 7));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).output.values.reply).toBe(`echo: ${text}`);
  });

  it("still serves after refusing", async () => {
    const answer = await raw(running.url, "POST", "/runs/wait", {
      agent_id: agentIds.echo,
      input: { text: "after" },
    });
    expect(answer.status).toBe(200);
  });
});

describe("maxBodyBytes through app.fetch (no Node request behind it)", () => {
  const server = createACPServer({ agents: [echoAgent()], maxBodyBytes: LIMIT });
  afterAll(() => server.close());

  const streamed = (chunks: Buffer[]) =>
    new Request("http://acp.test/runs/wait", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);

  it("refuses a streamed body past the limit with a 413", async () => {
    const body = JSON.stringify({ agent_id: agentIds.echo, input: { text: "y".repeat(LIMIT) } });
    const answer = await server.fetch(streamed(pieces(body, 512)));
    expect(answer.status).toBe(413);
    expect(await answer.json()).toMatch(/maxBodyBytes \(4096 bytes\)/);
  });

  it("reads a streamed body within the limit whole", async () => {
    const text = "ünïcode ✓ ".repeat(10);
    const body = JSON.stringify({ agent_id: agentIds.echo, input: { text } });
    const answer = await server.fetch(streamed(pieces(body, 5)));
    expect(answer.status).toBe(200);
    expect(
      ((await answer.json()) as { output: { values: { reply: string } } }).output.values.reply,
    ).toBe(`echo: ${text}`);
  });
});
