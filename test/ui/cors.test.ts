/**
 * The client entry (src/index.ts) bundled for browsers and loaded in a page of
 * another origin: with the server's `cors` option naming that origin it lists the
 * agents and streams a run (behind an API key, so the preflight lets `x-api-key`
 * through); without it the browser refuses the answers.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser, launchBrowser } from "../helpers/browser.js";
import { startACPServer, type TestACPServer } from "../helpers/server.js";

const KEY = "cors-test-key";
let pageServer: Server;
let pageOrigin: string;
let allowed: TestACPServer;
let closed: TestACPServer;
let browser: Browser;

beforeAll(async () => {
  const bundle = readFileSync(await bundleForBrowser("src/index.ts"), "utf8");
  // A page of its own origin that loads nothing but the bundled client.
  pageServer = createServer((request, response) => {
    if (request.url === "/client.js") {
      response.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    } else {
      response
        .writeHead(200, { "content-type": "text/html" })
        .end(
          '<!doctype html><title>page</title><script>window.acp = import("/client.js");</script>',
        );
    }
  });
  await new Promise<void>((resolve) => pageServer.listen(0, "127.0.0.1", resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  allowed = await startACPServer({ apiKey: KEY, cors: { origins: [pageOrigin] } });
  closed = await startACPServer({ apiKey: KEY });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await allowed?.close();
  await closed?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
});

/** In the page: the agents' names and one streamed run's event types, or the error met. */
function callFromPage(page: Page, host: string) {
  return page.evaluate(
    async ({ host, key }) => {
      const { ACPClient } = await (
        window as unknown as { acp: Promise<typeof import("../../src/index.js")> }
      ).acp;
      const client = ACPClient.fromConfiguration({
        host,
        apiKey: { "x-api-key": key },
        retries: 0,
      });
      try {
        const agents = await client.searchAgents({});
        const echo = agents.find((a) => a.metadata.ref.name === "test.echo");
        const types: string[] = [];
        const stream = client.createAndStreamStatelessRunOutput({
          agent_id: echo?.agent_id,
          input: { text: "across origins" },
        });
        let last: unknown;
        for await (const event of stream) {
          types.push(event.data.type);
          last = event.data;
        }
        return { names: agents.map((a) => a.metadata.ref.name), types, last, runId: stream.runId };
      } catch (error) {
        return { error: `${(error as Error).name}: ${(error as Error).message}` };
      }
    },
    { host, key: KEY },
  );
}

describe("the client entry in a browser page of another origin", () => {
  it("calls a server whose cors option names the page's origin", async () => {
    const page = await browser.newPage();
    await page.goto(pageOrigin);
    const result = await callFromPage(page, allowed.url);
    expect(result).toMatchObject({
      types: expect.arrayContaining(["values"]),
      last: { values: { reply: "echo: across origins" }, status: "success" },
    });
    expect(result.names).toContain("test.echo");
    // Content-Location is exposed to the page: the stream knew its run before any event.
    expect(result.runId).toMatch(/^[0-9a-f-]{36}$/);
    await page.close();
  });

  it("is refused by the browser when the server has no cors option", async () => {
    const page = await browser.newPage();
    await page.goto(pageOrigin);
    const result = await callFromPage(page, closed.url);
    expect(result.error).toBeDefined();
    expect(result.names).toBeUndefined();
    const preflight = await fetch(`${closed.url}/agents/search`, {
      method: "OPTIONS",
      headers: { origin: pageOrigin, "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    await page.close();
  });

  it("answers a preflight from an origin it does not name without allowing it", async () => {
    const preflight = await fetch(`${allowed.url}/agents/search`, {
      method: "OPTIONS",
      headers: {
        origin: "http://elsewhere.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-api-key, content-type",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).not.toBe(
      "http://elsewhere.example",
    );
    const ours = await fetch(`${allowed.url}/agents/search`, {
      method: "OPTIONS",
      headers: {
        origin: pageOrigin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-api-key, content-type",
      },
    });
    expect(ours.status).toBe(204);
    expect(ours.headers.get("access-control-allow-origin")).toBe(pageOrigin);
    expect(ours.headers.get("access-control-allow-headers")).toContain("x-api-key");
  });
});
