/**
 * The playground's stream survives a dropped connection: the page's client joins the
 * run's stream again (Last-Event-ID) and shows every event once. The page reaches
 * the server through a proxy that cuts the first answer to `POST /runs/stream`
 * inside its events (per request, whichever connection the browser reuses).
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPlayground, launchBrowser } from "../helpers/browser.js";
import { startACPServer, type TestACPServer } from "../helpers/server.js";

let running: TestACPServer;
let proxy: Server;
let proxyUrl: string;
/** The requests the proxy forwarded, as `METHOD path`. */
const seen: string[] = [];
let browser: Browser;

/** Forwards every request to the server; the first run stream is cut after `cutAfter` bytes. */
function startCuttingProxy(target: string, cutAfter: number): Promise<Server> {
  let cut = false;
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const cutThis = !cut && req.method === "POST" && req.url === "/runs/stream";
    if (cutThis) cut = true;
    const upstream = httpRequest(
      new URL(req.url ?? "/", target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        let sent = 0;
        let stopped = false;
        answer.on("data", (chunk: Buffer) => {
          if (stopped) return;
          sent += chunk.length;
          if (cutThis && sent > cutAfter) {
            // Mid-stream: what fits is sent, then the connection ends without the stream's end.
            stopped = true;
            const socket = req.socket;
            res.write(chunk.subarray(0, chunk.length - (sent - cutAfter)), () => socket.destroy());
            answer.destroy();
            return;
          }
          res.write(chunk);
        });
        answer.on("end", () => {
          if (!stopped) res.end();
        });
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  await buildPlayground();
  running = await startACPServer({ ui: true });
  proxy = await startCuttingProxy(running.url, 2_000);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await running?.close();
});

describe("the playground's stream", () => {
  it("is joined again after its connection drops, every event shown once", async () => {
    const page = await browser.newPage();
    await page.goto(`${proxyUrl}/ui`);
    await page.getByRole("button", { name: "test.custom-streaming", exact: true }).click();
    await page.locator("#input-count").fill("40");
    await expect.poll(() => page.locator("#input-json").inputValue()).toContain('"count": 40');
    await page.getByRole("button", { name: "Start streamed run" }).click();
    await expect.poll(() => page.locator("#run-status").textContent()).toBe("success");
    const steps = await page
      .locator("#run-events li.custom pre")
      .evaluateAll((items) => items.map((item) => JSON.parse(item.textContent ?? "").step));
    expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // The stream was cut, and joined again on the run's own stream.
    expect(seen).toContain("POST /runs/stream");
    expect(seen.some((r) => /^GET \/runs\/[0-9a-f-]{36}\/stream$/.test(r))).toBe(true);
    expect(await page.locator("#run-error").count()).toBe(0);
    await page.close();
  });
});
