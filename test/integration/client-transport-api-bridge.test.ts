import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { ApiTimeoutError } from "../../src/core/errors.js";
import { APIBridgeAgentNode } from "../../src/langgraph/api-bridge.js";
import { useScriptedServer } from "../helpers/http-server.js";

/** Answers in turn; a missing step answers 200 "done". */
const server = useScriptedServer((res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("done");
});

const State = Annotation.Root({ bridge: Annotation<Record<string, unknown>> });

function run(options: { retries?: number; timeout?: number }) {
  const node = new APIBridgeAgentNode({
    name: "petstore",
    host: server.url,
    serviceName: "petstore",
    inputPath: "bridge.input",
    outputPath: "bridge.output",
    serviceApiKey: "svc-key-0b7e",
    ...options,
  });
  const graph = new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile();
  return graph.invoke({ bridge: { input: { query: "list pets" } } });
}

describe("APIBridgeAgentNode's transport", () => {
  it("sends the query again after a dropped connection, as documented", async () => {
    server.script = [(res) => res.socket?.destroy()];
    const out = await run({ retries: 2 });
    expect(out.bridge).toMatchObject({ output: { result: "done" } });
    expect(server.hits).toBe(2);
    expect(server.requests.map((r) => r.body)).toEqual(["list pets", "list pets"]);
  });

  it("sends the query again after a 429 answer and then succeeds", async () => {
    server.script = [
      (res) => {
        res.writeHead(429, { "retry-after": "0" });
        res.end("slow down");
      },
    ];
    const out = await run({ retries: 1 });
    expect(out.bridge).toMatchObject({ output: { result: "done" } });
    expect(server.hits).toBe(2);
  });

  it("does not send again an attempt that timed out", async () => {
    server.script = [() => undefined];
    const error = await run({ retries: 2, timeout: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect((error as Error).message).toContain("no answer within 100 ms");
    expect(server.hits).toBe(1);
  });
});
