/**
 * The playground page (`serveACP({ ui: true })`) in a real headless chromium: the
 * agents and their descriptors, a streamed run started from the form, an interrupt
 * answered, a slow run cancelled, a thread's history, bad input shown beside its
 * field, a server error's message, and the call written as curl and TypeScript.
 * With ACP_UI_SCREENSHOTS=1 it writes the screenshots docs/playground.md shows.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildPlayground, launchBrowser, screenshotPath } from "../helpers/browser.js";
import { startACPServer, type TestACPServer } from "../helpers/server.js";

let running: TestACPServer;
let browser: Browser;

beforeAll(async () => {
  await buildPlayground();
  running = await startACPServer({ ui: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  running.gate.release();
  await browser?.close();
  await running?.close();
});

/** A page on the playground, with every URL it requested. */
async function openPlayground(): Promise<{ page: Page; requested: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const requested: string[] = [];
  page.on("request", (request) => void requested.push(request.url()));
  await page.goto(`${running.url}/ui`);
  return { page, requested };
}

/** Picks the agent named `name` in the list. */
async function pickAgent(page: Page, name: string): Promise<void> {
  await page.getByRole("button", { name, exact: true }).click();
  await expect.poll(() => page.locator("#agent-title").textContent()).toContain(name);
}

async function screenshot(page: Page, name: string): Promise<void> {
  const path = screenshotPath(name);
  if (path) await page.screenshot({ path, fullPage: true });
}

const status = (page: Page) => page.locator("#run-status").textContent();

describe("the playground page", () => {
  it("lists the agents with their descriptors and A2A cards, from the server alone", async () => {
    const { page, requested } = await openPlayground();
    await pickAgent(page, "test.echo");
    expect(await page.locator("#agent-description").textContent()).toBe("test agent test.echo");
    expect(await page.locator("#agent-capabilities").textContent()).toContain('"threads": true');
    await page.locator("#a2a-card").waitFor();
    const card = await page.locator("#a2a-card").getAttribute("href");
    const cardAnswer = await fetch(card ?? "");
    expect(cardAnswer.status).toBe(200);
    expect(requested.length).toBeGreaterThan(3);
    expect(requested.filter((url) => new URL(url).origin !== running.url)).toEqual([]);
    await screenshot(page, "agents");
    await page.close();
  });

  it("starts a streamed run from the form and shows its events as they come", async () => {
    const { page } = await openPlayground();
    await pickAgent(page, "test.echo");
    await page.locator("#input-text").fill("hello");
    await expect.poll(() => page.locator("#input-json").inputValue()).toContain('"text": "hello"');
    await page.getByRole("button", { name: "Start streamed run" }).click();
    await expect.poll(() => status(page)).toBe("success");
    expect(await page.locator("#run-events").textContent()).toContain("echo: hello");
    expect(await page.locator("#run-id").textContent()).toMatch(/^[0-9a-f-]{36}$/);
    await page.getByRole("button", { name: "Run record" }).click();
    await expect
      .poll(() => page.locator("#run-record").textContent())
      .toContain('"status": "success"');
    await screenshot(page, "run");

    // Custom events, one per step, then the values.
    await pickAgent(page, "test.custom-streaming");
    await page.locator("#input-count").fill("3");
    await page.getByRole("button", { name: "Start streamed run" }).click();
    await expect.poll(() => status(page)).toBe("success");
    await expect.poll(() => page.locator("#run-events li.custom").count()).toBe(3);
    expect(await page.locator("#run-events li.custom").last().textContent()).toContain('"step": 3');
    await page.close();
  });

  it("can be used with the keyboard alone", async () => {
    const { page } = await openPlayground();
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? "");
    await page.getByRole("button", { name: "test.echo", exact: true }).waitFor();
    // The first stop of the tab order is the first agent.
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("test.echo");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#agent-title").textContent()).toContain("test.echo");
    await page.locator("#input-text").focus();
    await page.keyboard.type("typed");
    // Tab on through the form to the start button, which is reached in the tab order.
    let presses = 0;
    while ((await focused()) !== "Start streamed run" && presses < 40) {
      await page.keyboard.press("Tab");
      presses += 1;
    }
    expect(await focused()).toBe("Start streamed run");
    await page.keyboard.press("Enter");
    await expect.poll(() => status(page)).toBe("success");
    expect(await page.locator("#run-events").textContent()).toContain("echo: typed");
    await page.close();
  });

  it("writes the run as curl and as TypeScript with ACPClient", async () => {
    const { page } = await openPlayground();
    await pickAgent(page, "test.echo");
    await page.locator("#input-text").fill("copied");
    await page.getByText("Copy as curl / TypeScript").click();
    await expect.poll(() => page.locator("#copy-curl").textContent()).toContain("copied");
    const curl = await page.locator("#copy-curl").textContent();
    expect(curl).toContain(`'${running.url}/runs/stream'`);
    expect(curl).toContain('"input":{"text":"copied"}');
    const ts = await page.locator("#copy-ts").textContent();
    expect(ts).toContain("ACPClient.fromConfiguration");
    expect(ts).toContain("client.createAndStreamStatelessRunOutput(");
    await screenshot(page, "copy-as");
    await page.close();
  });

  it("shows the interrupt and resumes the same run with the resume form until it completes", async () => {
    const { page } = await openPlayground();
    await pickAgent(page, "test.interrupt-twice");
    // The input schema has no fields: the JSON editor says it.
    await page.locator("#input-json").fill('{"topic": "tea"}');
    await page.getByRole("button", { name: "Start streamed run" }).click();
    await expect.poll(() => status(page)).toBe("interrupted");
    expect(await page.locator("#interrupt-payload").textContent()).toContain("first about tea?");
    const runId = await page.locator("#run-id").textContent();
    await screenshot(page, "interrupt");

    await page.locator("#resume-answer").fill("green");
    await page.getByRole("button", { name: "Resume run" }).click();
    await expect.poll(() => page.locator("#interrupt-payload").textContent()).toContain("second?");
    await page.locator("#resume-answer").fill("no sugar");
    await page.getByRole("button", { name: "Resume run" }).click();
    await expect.poll(() => status(page)).toBe("success");
    expect(await page.locator("#run-id").textContent()).toBe(runId);
    const values = await page.locator("#run-events li.values").last().textContent();
    expect(values).toContain('"green"');
    expect(values).toContain('"no sugar"');
    await page.close();
  });

  it("cancels a slow run", async () => {
    const { page } = await openPlayground();
    await pickAgent(page, "test.slow");
    await page.locator("#input-json").fill('{"text": "wait"}');
    const aborted = running.gate.aborted;
    await page.getByRole("button", { name: "Start streamed run" }).click();
    await expect.poll(() => page.locator("#run-events").textContent()).toContain("started");
    await page.getByRole("button", { name: "Cancel run" }).click();
    await vi.waitUntil(() => running.gate.aborted > aborted);
    await expect.poll(() => status(page)).not.toBe("pending");
    expect(await page.locator("#run-events").textContent()).not.toContain("done: wait");
    await page.close();
  });

  it("runs on a new thread and shows the thread's state and history", async () => {
    const { page } = await openPlayground();
    await pickAgent(page, "test.echo");
    await page.getByLabel("On a thread").check();
    await page.getByRole("button", { name: "New thread" }).click();
    await expect.poll(() => page.locator("#thread-pick").inputValue()).not.toBe("");
    const threadId = await page.locator("#thread-pick").inputValue();
    for (const text of ["one", "two"]) {
      await page.locator("#input-text").fill(text);
      await page.getByRole("button", { name: "Start streamed run" }).click();
      await expect.poll(() => status(page)).toBe("success");
    }
    await expect
      .poll(() => page.locator("#copy-curl").textContent())
      .toContain(`/threads/${threadId}/runs/stream`);
    await page.getByRole("button", { name: "Thread history" }).click();
    await expect.poll(() => page.locator("#thread-view").textContent()).toContain('"two"');
    expect(await page.locator("#thread-view").textContent()).toContain('"one"');
    await page.getByRole("button", { name: "Thread state" }).click();
    await expect.poll(() => page.locator("#thread-view").textContent()).toContain("echo: two");
    await screenshot(page, "thread");

    // A server error is shown with its message: the thread is gone.
    await running.server.fetch(
      new Request(`${running.url}/threads/${threadId}`, { method: "DELETE" }),
    );
    await page.getByRole("button", { name: "Thread history" }).click();
    await expect.poll(() => page.locator(".threads .error").textContent()).toMatch(/^404: .+/);
    await page.close();
  });

  it("shows bad input next to its field, and a run's error", async () => {
    const { page } = await openPlayground();
    await pickAgent(page, "test.custom-streaming");
    await page.locator("#input-count").fill("many");
    await expect
      .poll(() => page.locator("#input-count-error").textContent())
      .toBe("count must be a whole number");
    await page.locator("#input-count").fill("1000");
    await expect
      .poll(() => page.locator("#input-count-error").textContent())
      .toBe("count must be at most 100");
    await page.getByRole("button", { name: "Start streamed run" }).click();
    await expect.poll(() => page.locator("#run-error").textContent()).toContain("Fix the fields");
    expect(await status(page)).toBe("not started");

    await page.locator("#input-json").fill('{"count": ');
    await expect.poll(() => page.locator(".raw .error").textContent()).toMatch(/^invalid JSON/);
    await screenshot(page, "bad-input");

    await pickAgent(page, "test.throwing");
    await page.getByRole("button", { name: "Start streamed run" }).click();
    await expect.poll(() => status(page)).toBe("error");
    await expect.poll(() => page.locator("#run-error").textContent()).not.toBe("");
    expect(await page.locator("#run-events li.error").count()).toBe(1);
    await page.close();
  });

  it("links no A2A card when the server serves ACP only", async () => {
    const acpOnly = await startACPServer({ ui: true, a2a: false });
    const page = await browser.newPage();
    try {
      await page.goto(`${acpOnly.url}/ui`);
      await pickAgent(page, "test.echo");
      await expect
        .poll(() => page.locator("#agent-id").getAttribute("data-a2a-card"))
        .toBe("absent");
      expect(await page.locator("#a2a-card").count()).toBe(0);
    } finally {
      await page.close();
      await acpOnly.close();
    }
  });

  it("is served only when asked for", async () => {
    const answer = await fetch(`${running.url}/ui`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-security-policy")).toContain("connect-src 'self'");
    const off = await startACPServer();
    try {
      expect((await fetch(`${off.url}/ui`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe("the playground on a server with an API key", () => {
  it("asks for the key once and keeps it in sessionStorage only", async () => {
    const keyed = await startACPServer({ ui: true, apiKey: "playground-key" });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${keyed.url}/ui`);
      await page.locator("#api-key").fill("wrong");
      await page.getByRole("button", { name: "Use key" }).click();
      await expect
        .poll(() => page.locator("form.key label").textContent())
        .toContain("was refused");
      await page.locator("#api-key").fill("playground-key");
      await page.keyboard.press("Enter");
      await page.getByRole("button", { name: "test.echo", exact: true }).waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem("acp-playground-api-key"))).toBe(
        "playground-key",
      );
      expect(await page.evaluate(() => localStorage.length)).toBe(0);

      // Kept for the tab: a reload asks nothing, and runs go through with the key.
      await page.reload();
      await pickAgent(page, "test.echo");
      expect(await page.locator("#api-key").count()).toBe(0);
      await page.locator("#input-text").fill("keyed");
      await page.getByRole("button", { name: "Start streamed run" }).click();
      await expect.poll(() => status(page)).toBe("success");
      await expect
        .poll(() => page.locator("#copy-curl").textContent())
        .toContain("x-api-key: $ACP_API_KEY");
      await expect
        .poll(() => page.locator("#copy-curl").textContent())
        .not.toContain("playground-key");
    } finally {
      await context.close();
      await keyed.close();
    }
  });
});
