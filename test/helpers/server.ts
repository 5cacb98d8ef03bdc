/**
 * Starting and stopping the ACP server in tests: a server with the test graphs on
 * 127.0.0.1 and port 0, raw HTTP calls, an SSE frame reader and a webhook receiver.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { ACPClient, ApiClientConfiguration } from "../../src/index.js";
import {
  deriveAgentId,
  type RunningACPServer,
  type ServeACPOptions,
  serveACP,
} from "../../src/server/index.js";
import {
  chatAgent,
  createGate,
  customStreamingAgent,
  echoAgent,
  type Gate,
  interruptTwiceAgent,
  plainAgent,
  slowAgent,
  throwingAgent,
} from "./graphs.js";

/** The ids of the test agents (derived from their names and version 1.0.0). */
export const agentIds = {
  echo: deriveAgentId("test.echo", "1.0.0"),
  custom: deriveAgentId("test.custom-streaming", "1.0.0"),
  interrupt: deriveAgentId("test.interrupt-twice", "1.0.0"),
  throwing: deriveAgentId("test.throwing", "1.0.0"),
  slow: deriveAgentId("test.slow", "1.0.0"),
  plain: deriveAgentId("test.plain", "1.0.0"),
  chat: deriveAgentId("test.chat", "1.0.0"),
};

/** A running test server with the gate of its slow agent. */
export interface TestACPServer extends RunningACPServer {
  gate: Gate;
}

/** A logger that keeps warnings for assertions instead of printing them. */
export function memoryLogger() {
  const lines: string[] = [];
  return { lines, warn: (message: string) => void lines.push(message) };
}

/** Serves every test agent; `options` override the defaults. */
export async function startACPServer(
  options: Partial<ServeACPOptions> = {},
): Promise<TestACPServer> {
  const gate = createGate();
  const running = await serveACP({
    agents: [
      echoAgent(),
      customStreamingAgent(),
      interruptTwiceAgent(),
      throwingAgent(),
      slowAgent(gate),
      plainAgent(),
      chatAgent(),
    ],
    port: 0,
    hostname: "127.0.0.1",
    logger: memoryLogger(),
    ...options,
  });
  return Object.assign(running, { gate });
}

/** The server and client a test file shares, set before its first test. */
export interface ServerContext {
  readonly running: TestACPServer;
  readonly client: ACPClient;
}

/**
 * Starts the test server and a client on it before the file's tests, and stops
 * both after them.
 */
export function useACPServer(): ServerContext {
  const context = {} as { running: TestACPServer; client: ACPClient };
  beforeAll(async () => {
    context.running = await startACPServer();
    context.client = new ACPClient({
      configuration: new ApiClientConfiguration({ host: context.running.url }),
    });
  });
  afterAll(async () => {
    context.running?.gate.release();
    await context.client?.close();
    await context.running?.close();
  });
  return context;
}

/** The answer of a raw HTTP call: status, content type and the parsed JSON body (if any). */
export interface RawAnswer {
  status: number;
  contentType: string | null;
  body: unknown;
  text: string;
}

/** Calls the server with plain `fetch`, to see the wire as it is. */
export async function raw(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: parsed,
    text,
  };
}

/** One SSE frame as it came over the wire. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  /** The lines of the frame, in order, as sent. */
  lines: string[];
}

/** Reads a whole `text/event-stream` body into frames; comment lines are counted apart. */
export async function readSse(
  response: Response,
): Promise<{ frames: SseFrame[]; comments: number }> {
  const text = await response.text();
  const frames: SseFrame[] = [];
  let comments = 0;
  for (const block of text.split("\n\n")) {
    const all = block.split("\n").filter((l) => l !== "");
    const lines = all.filter((l) => !l.startsWith(":"));
    comments += all.length - lines.length;
    if (lines.length === 0) continue;
    const frame: SseFrame = { lines };
    for (const line of lines) {
      const at = line.indexOf(": ");
      const field = line.slice(0, at);
      const value = line.slice(at + 2);
      if (field === "id" || field === "event" || field === "data") frame[field] = value;
    }
    frames.push(frame);
  }
  return { frames, comments };
}

/** A local webhook receiver: records each POSTed body; fails the first `failFirst` calls. */
export async function startWebhookReceiver(failFirst = 0): Promise<{
  url: string;
  bodies: unknown[];
  attempts: number;
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}> {
  const bodies: unknown[] = [];
  const waiters: Array<[number, () => void]> = [];
  let attempts = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      attempts += 1;
      if (attempts <= failFirst) {
        res.writeHead(503).end();
        return;
      }
      bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(200).end();
      for (const [n, resolve] of waiters) if (bodies.length >= n) resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    get attempts() {
      return attempts;
    },
    waitFor(n) {
      if (bodies.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push([n, resolve]));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads a streamed body piece by piece, for tests that act in the middle of a stream. */
export class StreamReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  /** Everything read so far. */
  text = "";
  /** True once the body has ended. */
  done = false;

  constructor(response: Response) {
    if (!response.body) throw new Error("the response has no body");
    this.reader = response.body.getReader();
  }

  /** Reads until `predicate(text)` holds or the body ends; returns whether it held. */
  async until(predicate: (text: string) => boolean): Promise<boolean> {
    while (!predicate(this.text)) {
      const { value, done } = await this.reader.read();
      if (done) {
        this.done = true;
        return predicate(this.text);
      }
      this.text += this.decoder.decode(value, { stream: true });
    }
    return true;
  }

  /** Reads to the end of the body. */
  async rest(): Promise<string> {
    await this.until(() => false);
    return this.text;
  }

  /** Stops reading and closes the connection. */
  async cancel(): Promise<void> {
    await this.reader.cancel();
  }
}

/**
 * A test file's scratch folder and the servers and clients it starts: after its tests,
 * every client is closed, every server released and closed, and the folder removed.
 */
export function serverScope(prefix: string): {
  dir: string;
  servers: TestACPServer[];
  clients: ACPClient[];
  /** Starts a test server with `options` and a client on it, both closed after the file's tests. */
  start(options?: Partial<ServeACPOptions>): Promise<{ server: TestACPServer; client: ACPClient }>;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const servers: TestACPServer[] = [];
  const clients: ACPClient[] = [];
  afterAll(async () => {
    for (const client of clients) await client.close();
    for (const server of servers) {
      server.gate.release();
      await server.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (options: Partial<ServeACPOptions> = {}) => {
    const server = await startACPServer(options);
    servers.push(server);
    const client = new ACPClient({
      configuration: new ApiClientConfiguration({ host: server.url }),
    });
    clients.push(client);
    return { server, client };
  };
  return { dir, servers, clients, start };
}
