/**
 * Webhooks against the server's policy, over real TCP: targets on this machine
 * written every way a URL allows are refused by default and reached only when
 * the policy says so, as is a URL with credentials; redirects are not followed; a
 * hanging endpoint holds no more connections than the cap, and does not hold up
 * the server's shutdown; a burst opens no more sockets than the cap, and waiting
 * for a turn does not count against an attempt's time; a failure is logged with
 * its cause.
 */
import { lookup } from "node:dns/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { hostname } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ACPClient, type RunStateless } from "../../src/index.js";
import type { ServeACPOptions } from "../../src/server/index.js";
import {
  agentIds,
  memoryLogger,
  raw,
  startACPServer,
  type TestACPServer,
} from "../helpers/server.js";

/** A webhook endpoint on 127.0.0.1 that records what reaches it and answers as told. */
interface Endpoint {
  readonly url: string;
  readonly port: number;
  readonly bodies: unknown[];
  /** Requests received. */
  readonly attempts: number;
  /** Requests received and not yet answered or closed. */
  readonly open: number;
  /** The most requests that were open at once. */
  readonly maxOpen: number;
  /** TCP connections accepted and not yet closed. */
  readonly sockets: number;
  waitForAttempts(n: number): Promise<void>;
  close(): Promise<void>;
}

type Answer = (req: IncomingMessage, res: ServerResponse) => void;
const accept: Answer = (_req, res) => res.writeHead(200).end();

/** Counts the sockets open at once across endpoints, the way the server's cap sees them. */
class SocketCount {
  open = 0;
  max = 0;
  watch(server: Server): void {
    server.on("connection", (socket: Socket) => {
      this.open += 1;
      this.max = Math.max(this.max, this.open);
      socket.once("close", () => {
        this.open -= 1;
      });
    });
  }
}

async function startEndpoint(
  answer: Answer = accept,
  sockets = new SocketCount(),
): Promise<Endpoint> {
  const bodies: unknown[] = [];
  const waiters: Array<() => void> = [];
  let attempts = 0;
  let open = 0;
  let maxOpen = 0;
  const server: Server = createServer((req, res) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    let closed = false;
    const done = () => {
      if (closed) return;
      closed = true;
      open -= 1;
    };
    res.on("finish", done);
    res.on("close", done);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      attempts += 1;
      bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      for (const wake of waiters.splice(0)) wake();
      answer(req, res);
    });
  });
  sockets.watch(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint: Endpoint = {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    bodies,
    get attempts() {
      return attempts;
    },
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
    get sockets() {
      return sockets.open;
    },
    async waitForAttempts(n) {
      while (attempts < n) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return endpoint;
}

const servers: TestACPServer[] = [];
const endpoints: Endpoint[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const e of endpoints.splice(0)) await e.close();
});

async function serverWith(options: Partial<ServeACPOptions>) {
  const logger = memoryLogger();
  const running = await startACPServer({ logger, ...options });
  servers.push(running);
  return { running, logger, client: ACPClient.fromConfiguration({ host: running.url }) };
}

async function endpoint(answer?: Answer, sockets?: SocketCount): Promise<Endpoint> {
  const e = await startEndpoint(answer, sockets);
  endpoints.push(e);
  return e;
}

const echoRun = (webhook: string) => ({
  agent_id: agentIds.echo,
  input: { text: "hook" },
  webhook,
});

describe("the default policy", () => {
  let target: Endpoint;
  let running: TestACPServer;
  beforeAll(async () => {
    target = await startEndpoint();
    running = await startACPServer({ logger: memoryLogger() });
  });
  afterAll(async () => {
    await running.close();
    await target.close();
  });

  it.each([
    "127.0.0.1",
    "localhost",
    "LOCALHOST.",
    "app.localhost",
    "0x7f000001",
    "2130706433",
    "017700000001",
    "127.1",
    "0.0.0.0",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b:1::7f00:1]",
    "169.254.169.254",
    "10.0.0.1",
    "192.168.1.1",
    "[fd00::1]",
  ])("refuses a webhook to %s when the run is created (422)", async (host) => {
    const answer = await raw(
      running.url,
      "POST",
      "/runs",
      echoRun(`http://${host}:${target.port}/hook`),
    );
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("webhook refused by the server's webhook policy");
    expect(target.attempts).toBe(0);
  });
});

describe("a name that resolves to this machine", () => {
  it("is refused when the delivery connects, and nothing reaches the endpoint", async (context) => {
    const name = hostname();
    const resolved = await lookup(name).catch(() => undefined);
    if (!resolved || !/^127\./.test(resolved.address)) {
      context.skip(`${name} does not resolve to a loopback address here`);
    }
    const target = await endpoint();
    const { running, logger, client } = await serverWith({});
    const { run } = await client.createAndWaitForStatelessRunOutput(
      echoRun(`http://${name}:${target.port}/hook`),
    );
    expect(run?.status).toBe("success");
    await running.close();
    expect(target.attempts).toBe(0);
    expect(logger.lines.join("\n")).toMatch(/refused: .* resolves to 127\./);
  });
});

describe("a policy that allows", () => {
  it("local addresses with allowPrivateNetworks: each status change is delivered", async () => {
    const target = await endpoint();
    const { running, client } = await serverWith({ webhooks: { allowPrivateNetworks: true } });
    const { run } = await client.createAndWaitForStatelessRunOutput(echoRun(target.url));
    await running.close();
    expect((target.bodies as RunStateless[]).map((b) => [b.run_id, b.status])).toEqual([
      [run?.run_id, "pending"],
      [run?.run_id, "success"],
    ]);
  });

  it("the listed origins only", async () => {
    const listed = await endpoint();
    const other = await endpoint();
    const { running, client } = await serverWith({
      webhooks: { allow: [`http://127.0.0.1:${listed.port}`], allowPrivateNetworks: true },
    });
    const refused = await raw(running.url, "POST", "/runs", echoRun(other.url));
    expect(refused.status).toBe(422);
    expect(refused.text).toContain("not among the server's allowed webhook origins");
    await client.createAndWaitForStatelessRunOutput(echoRun(listed.url));
    await running.close();
    expect(listed.attempts).toBe(2);
    expect(other.attempts).toBe(0);
  });

  it("what its function accepts, and still no private address without the opt-in", async () => {
    const target = await endpoint();
    const allow = (url: URL) => url.pathname.startsWith("/hook");
    const open = await serverWith({ webhooks: { allow, allowPrivateNetworks: true } });
    const elsewhere = await raw(open.running.url, "POST", "/runs", {
      ...echoRun(target.url.replace("/hook", "/admin")),
    });
    expect(elsewhere.status).toBe(422);
    await open.client.createAndWaitForStatelessRunOutput(echoRun(target.url));

    const strict = await serverWith({ webhooks: { allow } });
    const local = await raw(strict.running.url, "POST", "/runs", echoRun(target.url));
    expect(local.status).toBe(422);
    expect(local.text).toContain("127.0.0.1 is not a public address");
    await open.running.close();
    expect(target.attempts).toBe(2);
  });
});

describe("delivery", () => {
  it("does not follow a redirect, not even a 307 to another local endpoint", async () => {
    const second = await endpoint();
    const first = await endpoint((_req, res) => res.writeHead(307, { location: second.url }).end());
    const { running, logger, client } = await serverWith({
      webhooks: { allowPrivateNetworks: true, retries: 3 },
    });
    await client.createAndWaitForStatelessRunOutput(echoRun(first.url));
    await running.close();
    expect(first.attempts).toBe(2);
    expect(second.attempts).toBe(0);
    expect(logger.lines.join("\n")).toContain("answered 307; redirects are not followed");
  });

  it("does not retry an endpoint answering 500, and retries one answering 503 a bounded number of times", async () => {
    const failing = await endpoint((_req, res) => res.writeHead(500).end());
    const busy = await endpoint((_req, res) => res.writeHead(503).end());
    const { running, client } = await serverWith({
      webhooks: { allowPrivateNetworks: true, retries: 2 },
    });
    await client.createAndWaitForStatelessRunOutput(echoRun(failing.url));
    await client.createAndWaitForStatelessRunOutput(echoRun(busy.url));
    // A closing server sends what is queued once more at most: wait for the retries first.
    await busy.waitForAttempts(2 * 3);
    await running.close();
    expect(failing.attempts).toBe(2);
    expect(busy.attempts).toBe(2 * 3);
  });

  it("holds no more connections than maxConcurrent to a hanging endpoint, and shutdown does not wait on it", async () => {
    const hanging = await endpoint(() => undefined);
    const { running, logger, client } = await serverWith({
      webhooks: { allowPrivateNetworks: true, maxConcurrent: 3, timeoutMs: 5_000, retries: 0 },
    });
    for (let i = 0; i < 20; i++) {
      await client.createAndWaitForStatelessRunOutput(echoRun(hanging.url));
    }
    // 40 deliveries are queued; three are under way and hang. Give the others a
    // moment in which they would arrive if nothing held them back: a fixed wait,
    // because what is asserted is that nothing more arrives within it.
    await hanging.waitForAttempts(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hanging.attempts).toBe(3);
    expect(hanging.maxOpen).toBe(3);
    await running.close();
    expect(logger.lines.join("\n")).toMatch(/\d+ webhook deliveries abandoned/);
    // The abandoned deliveries' connections are closed, not left to the endpoint.
    await vi.waitUntil(() => hanging.open === 0, { timeout: 10_000, interval: 10 });
  });
});

describe("a URL with credentials", () => {
  it("is refused when the run is created (422), naming the webhook and not repeating the password", async () => {
    const target = await endpoint();
    const { running } = await serverWith({ webhooks: { allowPrivateNetworks: true } });
    const answer = await raw(
      running.url,
      "POST",
      "/runs",
      echoRun(`http://hook-user:pa55-w0rd@127.0.0.1:${target.port}/hook`),
    );
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("webhook refused by the server's webhook policy");
    expect(answer.text).toContain("user name or password");
    expect(answer.text).not.toContain("pa55-w0rd");
    await running.close();
    expect(target.attempts).toBe(0);
  });
});

/** Answers 200 a little later, so that deliveries overlap and queue. */
const answerSoon: Answer = (_req, res) => {
  setTimeout(() => res.writeHead(200).end(), 50);
};

/** Starts `runs` echo runs at once, each with a webhook taken in turn from `targets`. */
async function burst(client: ACPClient, targets: readonly Endpoint[], runs: number) {
  await Promise.all(
    Array.from({ length: runs }, (_, i) =>
      client.createAndWaitForStatelessRunOutput(
        echoRun((targets[i % targets.length] as Endpoint).url),
      ),
    ),
  );
}

describe("a burst of deliveries", () => {
  it("never has more than maxConcurrent sockets open, across endpoints, and delivers all", async () => {
    const sockets = new SocketCount();
    const targets = await Promise.all([1, 2, 3, 4].map(() => endpoint(answerSoon, sockets)));
    const { running, logger, client } = await serverWith({
      webhooks: { allowPrivateNetworks: true, maxConcurrent: 3, retries: 0 },
    });
    await burst(client, targets, 24);
    await vi.waitUntil(() => targets.every((t) => t.attempts === 2 * 6), { timeout: 20_000 });
    await running.close();
    expect(logger.lines.filter((l) => l.includes("webhook"))).toEqual([]);
    expect(sockets.max).toBeGreaterThan(0);
    expect(sockets.max).toBeLessThanOrEqual(3);
  });

  it("times each attempt from its turn: a burst longer than timeoutMs is delivered whole", async () => {
    // 40 runs at once queue 80 deliveries of at least 250 ms, 4 at once: the last
    // waits five seconds or more for its turn, while each takes a tenth of the 2.5 s
    // an attempt may take (a margin for a busy machine).
    const slow: Answer = (_req, res) => {
      setTimeout(() => res.writeHead(200).end(), 250);
    };
    const target = await endpoint(slow);
    const { running, logger, client } = await serverWith({
      webhooks: { allowPrivateNetworks: true, maxConcurrent: 4, timeoutMs: 2_500, retries: 0 },
    });
    await burst(client, [target], 40);
    await vi.waitUntil(
      () => target.attempts === 80 || logger.lines.some((l) => l.includes("webhook")),
      { timeout: 40_000 },
    );
    await running.close();
    expect(logger.lines.filter((l) => l.includes("webhook"))).toEqual([]);
    expect(target.attempts).toBe(80);
  }, 60_000);
});

describe("a failed delivery", () => {
  it("that gets no answer in time is logged as such, and not retried", async () => {
    const hanging = await endpoint(() => undefined);
    const { running, logger, client } = await serverWith({
      webhooks: { allowPrivateNetworks: true, timeoutMs: 300, retries: 2 },
    });
    await client.createAndWaitForStatelessRunOutput(echoRun(hanging.url));
    await vi.waitUntil(() => logger.lines.some((l) => l.includes("no answer within 300 ms")), {
      timeout: 10_000,
    });
    // The attempt after the one that timed out carries the next status change, not
    // the same one again: a hanging endpoint is not asked twice.
    await hanging.waitForAttempts(2);
    await running.close();
    expect((hanging.bodies as RunStateless[]).map((b) => b.status)).toEqual(["pending", "success"]);
  });

  it("is logged with its cause, without the URL's query", async () => {
    const gone = await startEndpoint();
    await gone.close();
    const { running, logger, client } = await serverWith({
      webhooks: { allowPrivateNetworks: true, retries: 0 },
    });
    await client.createAndWaitForStatelessRunOutput(
      echoRun(`http://127.0.0.1:${gone.port}/hook?token=t0ken-of-the-hook`),
    );
    await running.close();
    const log = logger.lines.join("\n");
    expect(log).toMatch(
      new RegExp(
        `failed: .*fetch failed, caused by .*connect ECONNREFUSED 127\\.0\\.0\\.1:${gone.port}`,
      ),
    );
    expect(log).not.toContain("t0ken-of-the-hook");
  });
});
