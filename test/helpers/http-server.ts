/** Small local HTTP servers for client tests: real sockets on 127.0.0.1, port 0. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, afterEach, beforeAll } from "vitest";

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** Answers a request; `body` is the request body read in full. */
export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  hit: number,
) => void | Promise<void>;

/** A running server with what it has seen. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  server: Server;
  requests: RecordedRequest[];
  /** Requests received so far. */
  readonly hits: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections closed so far. */
  readonly closedConnections: number;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a free port. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let closedConnections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      Promise.resolve(handler(req, res, body, requests.length)).catch((error) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
    });
  });
  server.on("connection", (socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => {
      closedConnections++;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    requests,
    get hits() {
      return requests.length;
    },
    get connections() {
      return connections;
    },
    get closedConnections() {
      return closedConnections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(text);
}

/** One answer of a {@link ScriptedServer}'s script. */
export type ScriptStep = (res: ServerResponse) => void;

/** A server whose answers the running test scripts. */
export interface ScriptedServer extends TestServer {
  /**
   * The running test's answers: the n-th request is answered by the n-th step, a
   * request with no step by the server's fallback. Emptied after each test.
   */
  script: ScriptStep[];
}

/**
 * Starts a scripted server before the tests of a file and closes it after them; after
 * each test its script and recorded requests are emptied. What it returns reads
 * through to the running server, so it is used only inside the tests.
 */
export function useScriptedServer(fallback: ScriptStep): ScriptedServer {
  let started: TestServer | undefined;
  const running = (): TestServer => {
    if (started === undefined) throw new Error("the scripted server is not started yet");
    return started;
  };
  const scripted: ScriptedServer = {
    script: [],
    get url() {
      return running().url;
    },
    get server() {
      return running().server;
    },
    get requests() {
      return running().requests;
    },
    get hits() {
      return running().hits;
    },
    get connections() {
      return running().connections;
    },
    get closedConnections() {
      return running().closedConnections;
    },
    close: () => running().close(),
  };
  beforeAll(async () => {
    started = await startServer((_req, res, _body, hit) => {
      const step = scripted.script[hit - 1];
      if (step) return step(res);
      fallback(res);
    });
  });
  afterEach(() => {
    running().requests.length = 0;
    scripted.script = [];
  });
  afterAll(() => started?.close());
  return scripted;
}
