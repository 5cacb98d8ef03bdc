/**
 * The listener's time limits over real sockets: an idle keep-alive connection is
 * closed after keepAliveTimeout, a client that trickles its headers is answered
 * 408 and cut after headersTimeout, and an event stream longer than
 * requestTimeout is not cut by it (the limit is on receiving the request only).
 * The waits for a close are bounded well below Node's own defaults (5 s idle, a
 * minute and more for headers), which a server without these options would keep
 * to.
 */

import type { Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ServeACPOptions } from "../../src/server/index.js";
import { openRawSocket } from "../helpers/raw-socket.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";

const servers: TestACPServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) {
    s.gate.release();
    await s.close();
  }
});

async function serverWith(options: Partial<ServeACPOptions>): Promise<TestACPServer> {
  const running = await startACPServer(options);
  servers.push(running);
  return running;
}

/** A raw TCP connection to `running`, closed after the test. */
async function openSocket(running: TestACPServer) {
  const opened = await openRawSocket(running.port);
  sockets.push(opened.socket);
  return opened;
}

const search =
  "POST /agents/search HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

describe("the server's connection limits", () => {
  it("closes a keep-alive connection idle for keepAliveTimeout", async () => {
    const running = await serverWith({ keepAliveTimeout: 200 });
    const { socket, state } = await openSocket(running);
    socket.write(search);
    await vi.waitUntil(() => state.received.includes("test.echo"), { timeout: 10_000 });
    expect(state.received).toMatch(/^HTTP\/1\.1 200/);
    expect(state.received.toLowerCase()).toContain("connection: keep-alive");
    // Node's default would keep it 5 s; this one goes within a fraction of that.
    await vi.waitUntil(() => state.closed, { timeout: 3_000, interval: 20 });
  });

  it("answers 408 and closes a connection whose headers trickle in past headersTimeout", async () => {
    const running = await serverWith({ headersTimeout: 300 });
    const { socket, state } = await openSocket(running);
    socket.write("POST /agents/search HTTP/1.1\r\nHost: x\r\n");
    // A header line now and then, never the blank line that ends them.
    let n = 0;
    const trickle = setInterval(() => {
      if (!state.closed) socket.write(`x-slow-${n++}: y\r\n`);
    }, 50);
    try {
      await vi.waitUntil(() => state.closed, { timeout: 10_000, interval: 20 });
    } finally {
      clearInterval(trickle);
    }
    expect(state.received).toMatch(/^HTTP\/1\.1 408/);
  });

  it("does not cut an event stream that lasts longer than requestTimeout", async () => {
    const running = await serverWith({
      requestTimeout: 300,
      headersTimeout: 200,
      keepAliveMs: 50,
    });
    const response = await fetch(`${running.url}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: agentIds.slow, input: { text: "long" } }),
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const keepAlives = () => text.split("\n").filter((l) => l.startsWith(":")).length;
    // Twenty keep-alive comments, 50 ms apart: the stream has been open for about
    // three times requestTimeout, with many connection checks in between.
    while (keepAlives() < 20) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      text += decoder.decode(value, { stream: true });
    }
    running.gate.release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toMatch(/"status":\s*"success"/);
  });

  it.each([
    [{ keepAliveTimeout: 0 }, "keepAliveTimeout must be a whole number of ms >= 1, got 0"],
    [{ headersTimeout: 1.5 }, "headersTimeout must be a whole number of ms >= 1, got 1.5"],
    [{ requestTimeout: -1 }, "requestTimeout must be a whole number of ms >= 0, got -1"],
    [
      { headersTimeout: 2_000, requestTimeout: 1_000 },
      "headersTimeout (2000 ms) must not be longer than requestTimeout (1000 ms)",
    ],
  ])("refuses %j with an ApiValueError naming it", async (options, message) => {
    await expect(startACPServer(options)).rejects.toMatchObject({
      name: "ApiValueError",
      message: expect.stringContaining(message),
    });
  });
});
