/**
 * The ACP server the fault tests run against: real LangGraph.js graphs, one of
 * which counts how often it executes, so a test can tell whether a request that
 * failed on the way back was carried out once, twice or not at all.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { afterAll, afterEach, beforeAll } from "vitest";
import { ACPClient, type ApiClientConfigurationOptions } from "../../src/index.js";
import {
  deriveAgentId,
  type RunningACPServer,
  type ServeACPOptions,
  serveACP,
} from "../../src/server/index.js";
import { createGate, customStreamingAgent, echoAgent, type Gate, slowAgent } from "./graphs.js";
import { memoryLogger } from "./server.js";
import { type FaultPlan, type FaultProxy, startFaultProxy } from "./tcp-fault-proxy.js";

/** The ids of the agents of {@link startFaultServer}. */
export const faultAgentIds = {
  counting: deriveAgentId("faults.counting", "1.0.0"),
  custom: deriveAgentId("test.custom-streaming", "1.0.0"),
  slow: deriveAgentId("test.slow", "1.0.0"),
  echo: deriveAgentId("test.echo", "1.0.0"),
};

/** A running server, how often its counting agent ran, and the gate of its slow agent. */
export interface FaultServer extends RunningACPServer {
  readonly executions: number;
  gate: Gate;
}

const CountingState = Annotation.Root({
  text: Annotation<string>,
  reply: Annotation<string>,
});

/** Serves the counting, custom-streaming, slow and echo agents on 127.0.0.1, port 0. */
export async function startFaultServer(
  options: Partial<ServeACPOptions> = {},
  gate: Gate = createGate(),
): Promise<FaultServer> {
  let executions = 0;
  const counting = new StateGraph(CountingState)
    .addNode("count", (state: typeof CountingState.State) => {
      executions += 1;
      return { reply: `done: ${state.text}` };
    })
    .addEdge(START, "count")
    .addEdge("count", END)
    .compile();
  const running = await serveACP({
    agents: [
      {
        graph: counting,
        descriptor: {
          metadata: { ref: { name: "faults.counting", version: "1.0.0" }, description: "counts" },
          specs: {
            capabilities: {
              threads: true,
              interrupts: false,
              callbacks: false,
              streaming: { values: true },
            },
            input: { type: "object", properties: { text: { type: "string" } } },
            output: { type: "object" },
            config: { type: "object" },
          },
        },
      },
      customStreamingAgent(),
      slowAgent(gate),
      echoAgent(),
    ],
    port: 0,
    hostname: "127.0.0.1",
    logger: memoryLogger(),
    ...options,
  });
  return Object.defineProperties(running, {
    gate: { value: gate },
    executions: { get: () => executions },
  }) as FaultServer;
}

/** A client for `url` that records its debug lines in `logs` instead of printing them. */
export function faultClient(
  url: string,
  options: ApiClientConfigurationOptions = {},
  logs: string[] = [],
): ACPClient {
  return ACPClient.fromConfiguration({
    host: url,
    debug: true,
    logger: { debug: (line) => void logs.push(line) },
    ...options,
  });
}

/** Retry lines of a client's debug log. */
export function retryLines(logs: readonly string[]): string[] {
  return logs.filter((line) => / retry \d+ of /.test(line));
}

/** A fault server for the tests of one file, with a fault proxy of each test's own. */
export interface FaultServerContext {
  /** The running server; read inside the tests only. */
  readonly server: FaultServer;
  /**
   * Starts the test's proxy in front of the server, with `plan`: one of its own per
   * test, so no kept-alive connection of another test is reused. It is released and
   * closed after the test.
   */
  proxyWith(plan: FaultPlan): Promise<FaultProxy>;
}

/** Starts a fault server before the tests of a file and closes it after them. */
export function useFaultServer(): FaultServerContext {
  let server: FaultServer | undefined;
  let proxy: FaultProxy | undefined;
  const running = (): FaultServer => {
    if (server === undefined) throw new Error("the fault server is not started yet");
    return server;
  };
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterEach(async () => {
    proxy?.release();
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get server() {
      return running();
    },
    async proxyWith(plan) {
      proxy = await startFaultProxy(running().url, plan);
      return proxy;
    },
  };
}
