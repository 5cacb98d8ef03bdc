import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ApiResponseTooLargeError,
  ApiTimeoutError,
  ApiValueError,
  ForbiddenException,
  ServiceException,
} from "../../src/core/errors.js";
import { APIBridgeAgentNode } from "../../src/langgraph/api-bridge.js";
import { NodeStateError } from "../../src/langgraph/node-errors.js";

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage["headers"];
  body: string;
}

const SERVICE_KEY = "svc-key-7f3a9c";
const BRIDGE_KEY = "bridge-key-51d0";

let server: Server;
let base: string;
let received: Received[] = [];
/** What the service answers next, by request order; the last entry repeats. */
let answers: Array<(res: ServerResponse, req: Received) => void> = [];

function answerWith(status: number, body: string) {
  return (res: ServerResponse) => {
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(body);
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const got = { method: req.method, url: req.url, headers: req.headers, body };
      received.push(got);
      const answer = answers[Math.min(received.length - 1, answers.length - 1)];
      answer?.(res, got);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  answers = [answerWith(200, "3 pets are available")];
});

const State = Annotation.Root({
  bridge: Annotation<Record<string, unknown>>,
  other: Annotation<string>,
});

function graphWith(node: APIBridgeAgentNode) {
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile();
}

function bridge(extra: Partial<ConstructorParameters<typeof APIBridgeAgentNode>[0]> = {}) {
  return new APIBridgeAgentNode({
    name: "petstore",
    host: `${base}/`,
    serviceName: "petstore/v1",
    inputPath: "bridge.request.input",
    outputPath: "bridge.request.output",
    serviceApiKey: SERVICE_KEY,
    ...extra,
  });
}

describe("APIBridgeAgentNode", () => {
  it("posts the query as application/nlq with the bearer key and writes the answer", async () => {
    const graph = graphWith(bridge({ bridgeApiKey: BRIDGE_KEY }));
    const out = await graph.invoke({
      bridge: { keep: 1, request: { input: { query: "how many pets are available?" } } },
      other: "untouched",
    });

    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe("/petstore/v1/");
    expect(req?.headers["content-type"]).toBe("application/nlq");
    expect(req?.headers.authorization).toBe(`Bearer ${SERVICE_KEY}`);
    expect(req?.headers["x-api-key"]).toBe(BRIDGE_KEY);
    expect(req?.body).toBe("how many pets are available?");

    expect(out.bridge).toEqual({
      keep: 1,
      request: {
        input: { query: "how many pets are available?" },
        output: { result: "3 pets are available" },
      },
    });
    expect(out.other).toBe("untouched");
  });

  it("says which operation was performed when the answer is empty", async () => {
    answers = [answerWith(201, "")];
    const out = await graphWith(bridge()).invoke({
      bridge: { request: { input: { query: "add a cat named Tom" } } },
    });
    expect(out.bridge).toMatchObject({
      request: { output: { result: `Operation performed: ${base}/petstore/v1/ Result 201` } },
    });
    expect(received[0]?.headers["x-api-key"]).toBeUndefined();
  });

  it("takes host with a trailing slash, and sends bridgeApiKey as x-api-key", async () => {
    const node = bridge({ host: `${base}/`, bridgeApiKey: BRIDGE_KEY });
    expect(node.host).toBe(base);
    await graphWith(node).invoke({
      bridge: { request: { input: { query: "how many pets are available?" } } },
    });
    expect(received[0]?.headers["x-api-key"]).toBe(BRIDGE_KEY);
    expect(received[0]?.url).toBe("/petstore/v1/");
  });

  it("adds the trailing slash to the service name only once", () => {
    expect(bridge({ serviceName: "/svc/" }).url).toBe(`${base}/svc/`);
  });

  it("turns an error status into the client's exception without showing the keys", async () => {
    answers = [(res, req) => answerWith(403, `denied for ${req.headers.authorization}`)(res)];
    const error = await graphWith(bridge({ bridgeApiKey: BRIDGE_KEY }))
      .invoke({ bridge: { request: { input: { query: "delete all pets" } } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenException);
    const forbidden = error as ForbiddenException;
    expect(forbidden.status).toBe(403);
    expect(forbidden.message).toContain("petstore");
    expect(forbidden.message).not.toContain(SERVICE_KEY);
    expect(forbidden.body).not.toContain(SERVICE_KEY);
    expect(JSON.stringify(forbidden)).not.toContain(SERVICE_KEY);
    expect(JSON.stringify(forbidden)).not.toContain(BRIDGE_KEY);
  });

  it("retries a 503 and then succeeds", async () => {
    answers = [answerWith(503, "busy"), answerWith(200, "done")];
    const out = await graphWith(bridge()).invoke({
      bridge: { request: { input: { query: "list pets" } } },
    });
    expect(received).toHaveLength(2);
    expect(received[1]?.body).toBe("list pets");
    expect(out.bridge).toMatchObject({ request: { output: { result: "done" } } });
  });

  it("gives up after its retries with a ServiceException", async () => {
    answers = [answerWith(503, "still busy")];
    const error = await graphWith(bridge({ retries: 1 }))
      .invoke({ bridge: { request: { input: { query: "list pets" } } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceException);
    expect(received).toHaveLength(2);
  });

  it("times out with an ApiTimeoutError", async () => {
    answers = [() => undefined];
    const error = await graphWith(bridge({ timeout: 150, retries: 0 }))
      .invoke({ bridge: { request: { input: { query: "slow question" } } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect((error as Error).message).not.toContain(SERVICE_KEY);
  });

  it("stops reading an answer past maxResponseBytes, declared or chunked", async () => {
    const chunked = (res: ServerResponse) => {
      res.writeHead(200, { "content-type": "text/plain" });
      for (let i = 0; i < 8; i++) res.write("x".repeat(1024));
      res.end();
    };
    for (const answer of [answerWith(200, "y".repeat(8192)), chunked]) {
      answers = [answer];
      const error = await graphWith(bridge({ maxResponseBytes: 4096 }))
        .invoke({ bridge: { request: { input: { query: "everything" } } } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiResponseTooLargeError);
      expect(error).toMatchObject({ limit: "maxResponseBytes", value: 4096 });
      expect((error as Error).message).toBe(
        "api_bridge petstore: the response body is larger than maxResponseBytes (4096 bytes)",
      );
    }
    // Within the limit, the whole answer is the result.
    answers = [chunked];
    const out = await graphWith(bridge({ maxResponseBytes: 8192 })).invoke({
      bridge: { request: { input: { query: "everything" } } },
    });
    expect(out.bridge).toMatchObject({ request: { output: { result: "x".repeat(8192) } } });
  });

  it("refuses a maxResponseBytes that is not a positive number", () => {
    expect(() => bridge({ maxResponseBytes: 0 })).toThrow(ApiValueError);
    expect(() => bridge({ maxResponseBytes: 0 })).toThrow(/maxResponseBytes must be a positive/);
  });

  it("names the node and the path when the input is missing or invalid", async () => {
    const graph = graphWith(bridge());
    const missing = await graph.invoke({ bridge: {} }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NodeStateError);
    expect((missing as Error).message).toMatch(/petstore.*input.*bridge\.request\.input.*missing/);

    const invalid = await graph
      .invoke({ bridge: { request: { input: { query: 42 } } } })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(NodeStateError);
    expect((invalid as Error).message).toContain("bridge.request.input");
    expect((invalid as Error).message).toContain("query");
    expect(received).toHaveLength(0);
  });
});
