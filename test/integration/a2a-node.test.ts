/**
 * A2ANode in a parent graph, against A2A agents served by `@a2a-js/sdk` alone: where
 * the output lands, both transports, streaming or not, the card URL alone, and the
 * credentials going only where they belong.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiResponseTooLargeError } from "../../src/index.js";
import { A2AClientError, A2ANode, NodeStateError } from "../../src/langgraph/index.js";
import { startA2AAgents, useA2AAgents } from "../helpers/a2a-agents.js";

const agents = useA2AAgents();

const State = Annotation.Root({
  job: Annotation<Record<string, unknown>>,
  untouched: Annotation<string>,
});

function graphOf(node: A2ANode) {
  return new StateGraph(State)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile();
}

/** The request paths the agent server saw since `from`, without the card reads. */
function callsSince(from: number): string[] {
  return agents.records.requests
    .slice(from)
    .map((r) => r.path)
    .filter((path) => !path.endsWith("agent-card.json"));
}

describe("A2ANode in a graph", () => {
  it("is built from the card URL alone and writes the data artifact at outputPath", async () => {
    const node = await A2ANode.fromCardUrl(agents.baseUrl("echo"), {
      inputPath: "job.request",
      outputPath: "job.result",
    });
    expect(node.getName()).toBe("test-echo");
    expect(node.streaming).toBe(true);
    const out = await graphOf(node).invoke({
      job: { id: 3, request: { city: "Lyon", days: 2 } },
      untouched: "kept",
    });
    expect(out.job).toEqual({
      id: 3,
      request: { city: "Lyon", days: 2 },
      result: { received: { city: "Lyon", days: 2 }, turn: 1 },
    });
    expect(out.untouched).toBe("kept");
    expect(agents.records.inputs.echo).toContainEqual({ city: "Lyon", days: 2 });
  });

  it("sends a string as a text part and reads a streamed text artifact back as a string", async () => {
    const node = await A2ANode.fromCardUrl(agents.baseUrl("echo"), {
      name: "shout",
      inputPath: "job.text",
      outputPath: "job.loud",
    });
    const out = await graphOf(node).invoke({ job: { text: "hello world" } });
    expect(out.job.loud).toBe("HELLO WORLD");
    expect(agents.records.inputs.echo).toContain("hello world");
  });

  it("reads the card from its own .json URL too", async () => {
    const node = await A2ANode.fromCardUrl(`${agents.baseUrl("echo")}.well-known/agent-card.json`, {
      name: "echo",
      inputPath: "job.request",
      outputPath: "job.result",
    });
    const out = await graphOf(node).invoke({ job: { request: { n: 1 } } });
    expect(out.job.result).toEqual({ received: { n: 1 }, turn: 1 });
  });

  it("adds the trailing slash a base URL needs", async () => {
    const base = agents.baseUrl("echo").replace(/\/$/, "");
    const node = await A2ANode.fromCardUrl(base, {
      inputPath: "job.request",
      outputPath: "job.result",
    });
    expect(node.card.name).toBe("test-echo");
  });

  it("uses JSON-RPC when the card lists it first, and HTTP+JSON when asked", async () => {
    for (const [transport, segment] of [
      [undefined, "/agents/echo/jsonrpc"],
      ["HTTP+JSON", "/agents/echo/rest"],
    ] as const) {
      const node = await A2ANode.fromCardUrl(agents.baseUrl("echo"), {
        name: "echo",
        inputPath: "job.request",
        outputPath: "job.result",
        ...(transport ? { transport } : {}),
      });
      const from = agents.records.requests.length;
      const out = await graphOf(node).invoke({ job: { request: { via: segment } } });
      expect(out.job.result).toEqual({ received: { via: segment }, turn: 1 });
      const calls = callsSince(from);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((path) => path.startsWith(segment))).toBe(true);
    }
  });

  it("waits for the result without streaming when the card does not stream", async () => {
    const node = await A2ANode.fromCardUrl(agents.baseUrl("echo-blocking"), {
      name: "echo",
      inputPath: "job.request",
      outputPath: "job.result",
      transport: "HTTP+JSON",
    });
    expect(node.streaming).toBe(false);
    const from = agents.records.requests.length;
    const out = await graphOf(node).invoke({ job: { request: { blocking: true } } });
    expect(out.job.result).toEqual({ received: { blocking: true }, turn: 1 });
    expect(callsSince(from)).toEqual(["/agents/echo-blocking/rest/message:send"]);
  });

  it("writes the data of a direct message reply, streamed or not", async () => {
    for (const agent of ["replier", "replier-blocking"] as const) {
      const node = await A2ANode.fromCardUrl(agents.baseUrl(agent), {
        name: "replier",
        inputPath: "job.request",
        outputPath: "job.result",
      });
      const out = await graphOf(node).invoke({ job: { request: { a: 1, b: 2 } } });
      expect(out.job.result).toEqual({ keys: ["a", "b"] });
    }
  });

  it("forwards the remote events to the parent's custom stream", async () => {
    const node = await A2ANode.fromCardUrl(agents.baseUrl("echo"), {
      name: "echo",
      inputPath: "job.request",
      outputPath: "job.result",
    });
    const kinds: string[] = [];
    for await (const chunk of await graphOf(node).stream(
      { job: { request: { streamed: true } } },
      { streamMode: "custom" },
    )) {
      expect(chunk.node).toBe("echo");
      kinds.push(chunk.event.payload.$case);
    }
    expect(kinds[0]).toBe("task");
    expect(kinds).toContain("artifactUpdate");
    expect(kinds.at(-1)).toBe("statusUpdate");
  });

  it("checks the input against the schema the card implies before sending", async () => {
    // The failing agent takes text only, so an object is refused in the graph.
    const node = await A2ANode.fromCardUrl(agents.baseUrl("failing"), {
      name: "failing",
      inputPath: "job.request",
      outputPath: "job.result",
    });
    const before = agents.records.inputs.failing?.length ?? 0;
    const err = await graphOf(node)
      .invoke({ job: { request: { not: "text" } } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeStateError);
    expect((err as NodeStateError).path).toBe("job.request");
    expect(agents.records.inputs.failing?.length ?? 0).toBe(before);
  });

  it("takes the input and output types from options over the card", async () => {
    const node = await A2ANode.fromCardUrl(agents.baseUrl("echo"), {
      name: "echo",
      inputPath: "job.request",
      outputPath: "job.result",
      inputType: z.object({ city: z.string() }),
      outputType: z.object({ received: z.object({ city: z.string() }), turn: z.number() }),
    });
    const err = await graphOf(node)
      .invoke({ job: { request: { city: 7 } } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeStateError);
    const out = await graphOf(node).invoke({ job: { request: { city: "Oslo" } } });
    expect(out.job.result).toEqual({ received: { city: "Oslo" }, turn: 1 });
  });
});

describe("A2ANode's errors and credentials", () => {
  it("fails with A2AClientError when there is no card at the URL", async () => {
    const err = await A2ANode.fromCardUrl(`${agents.origin}/agents/nobody/`, {
      inputPath: "a",
      outputPath: "b",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(A2AClientError);
    expect((err as Error).message).toContain("404");
  });

  it("fails with A2AClientError when the agent cannot be reached", async () => {
    const closed = await startA2AAgents();
    const card = closed.card("echo");
    await closed.close();
    const node = await A2ANode.fromCard(card, {
      inputPath: "job.request",
      outputPath: "job.result",
    });
    const err = await graphOf(node)
      .invoke({ job: { request: { x: 1 } } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(A2AClientError);
    expect((err as A2AClientError).operation).toBe("SendStreamingMessage");
  });

  it("authenticates through the SDK's AuthenticationHandler, and keeps credentials out of messages", async () => {
    const guarded = await startA2AAgents({ requireToken: "right-token" });
    try {
      const refused = await A2ANode.fromCardUrl(guarded.baseUrl("echo"), {
        name: "echo",
        inputPath: "job.request",
        outputPath: "job.result",
        headers: { authorization: "Bearer wrong-secret" },
      });
      for (const transport of ["JSONRPC", "HTTP+JSON"] as const) {
        const node = await A2ANode.fromCard(refused.card, {
          name: "echo",
          inputPath: "job.request",
          outputPath: "job.result",
          transport,
          headers: { authorization: "Bearer wrong-secret" },
        });
        const err = await graphOf(node)
          .invoke({ job: { request: { q: 1 } } })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(A2AClientError);
        // The SDK keeps the HTTP status of a REST error only.
        if (transport === "HTTP+JSON") expect((err as A2AClientError).status).toBe(401);
        expect((err as Error).message).toContain("refused authorization <redacted>");
        expect((err as Error).message).not.toContain("wrong-secret");
      }

      // What a handler gives is hidden too.
      const wrongHandler = await A2ANode.fromCardUrl(guarded.baseUrl("echo"), {
        name: "echo",
        inputPath: "job.request",
        outputPath: "job.result",
        authHandler: {
          headers: async () => ({ authorization: "Bearer handler-secret" }),
          shouldRetryWithHeaders: async () => undefined,
        },
      });
      const handlerErr = await graphOf(wrongHandler)
        .invoke({ job: { request: { q: 1 } } })
        .catch((e: unknown) => e);
      expect(handlerErr).toBeInstanceOf(A2AClientError);
      expect((handlerErr as Error).message).toContain("refused authorization <redacted>");
      expect((handlerErr as Error).message).not.toContain("handler-secret");

      // The handler is asked on a 401, and its headers are sent again.
      let asked = 0;
      const node = await A2ANode.fromCardUrl(guarded.baseUrl("echo"), {
        name: "echo",
        inputPath: "job.request",
        outputPath: "job.result",
        authHandler: {
          headers: async () => ({}),
          shouldRetryWithHeaders: async (_req, res) => {
            if (res.status !== 401) return undefined;
            asked += 1;
            return { authorization: "Bearer right-token" };
          },
        },
      });
      const out = await graphOf(node).invoke({ job: { request: { q: 2 } } });
      expect(out.job.result).toEqual({ received: { q: 2 }, turn: 1 });
      expect(asked).toBe(1);
    } finally {
      await guarded.close();
    }
  });

  it("checks the input against inputSchema, and refuses a skill the card lacks", async () => {
    const node = await A2ANode.fromCardUrl(agents.baseUrl("echo"), {
      name: "echo",
      skill: "echo",
      inputPath: "job.request",
      outputPath: "job.result",
      inputSchema: { type: "object", required: ["city"] },
    });
    const err = await graphOf(node)
      .invoke({ job: { request: { town: "Oslo" } } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeStateError);
    expect((err as Error).message).toContain("city");
    await expect(
      A2ANode.fromCardUrl(agents.baseUrl("echo"), {
        skill: "translate",
        inputPath: "a",
        outputPath: "b",
      }),
    ).rejects.toThrow(/has no skill "translate"/);
  });

  it("reads no body larger than maxResponseBytes", async () => {
    const err = await A2ANode.fromCardUrl(agents.baseUrl("echo"), {
      inputPath: "a",
      outputPath: "b",
      maxResponseBytes: 100,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiResponseTooLargeError);
    expect((err as ApiResponseTooLargeError).value).toBe(100);

    // A card fits in 4 KiB, a blocking answer with the task and its history does not.
    const node = await A2ANode.fromCardUrl(agents.baseUrl("echo-blocking"), {
      name: "echo",
      inputPath: "job.request",
      outputPath: "job.result",
      maxResponseBytes: 4096,
    });
    const big = await graphOf(node)
      .invoke({ job: { request: { text: "x".repeat(5000) } } })
      .catch((e: unknown) => e);
    expect(big).toBeInstanceOf(ApiResponseTooLargeError);
  });

  it("refuses options the SDK would fail on late", async () => {
    await expect(
      A2ANode.fromCardUrl(agents.baseUrl("echo"), {
        inputPath: "a",
        outputPath: "b",
        transport: "GRPC" as "JSONRPC",
      }),
    ).rejects.toThrow(/transport must be one of JSONRPC, HTTP\+JSON/);
    await expect(
      A2ANode.fromCardUrl(agents.baseUrl("echo"), {
        inputPath: "a",
        outputPath: "b",
        maxResubscribes: -1,
      }),
    ).rejects.toThrow(/maxResubscribes must be a whole number/);
    await expect(
      A2ANode.fromCardUrl("ftp://example.com/card", { inputPath: "a", outputPath: "b" }),
    ).rejects.toThrow(/must be http or https/);
  });

  it("sends its headers to the card's origin only, unless another origin is trusted", async () => {
    const other = await startA2AAgents();
    // The cards of this server name the other server's interfaces: another origin.
    const pointing = await startA2AAgents({ interfaceOrigin: other.origin });
    try {
      const headers = { authorization: "Bearer s3cret-token" };
      const run = async (trustedOrigins?: string[]) => {
        const node = await A2ANode.fromCardUrl(pointing.baseUrl("echo"), {
          name: "echo",
          inputPath: "job.request",
          outputPath: "job.result",
          headers,
          ...(trustedOrigins ? { trustedOrigins } : {}),
        });
        const from = other.records.requests.length;
        const out = await graphOf(node).invoke({ job: { request: { q: 1 } } });
        expect(out.job.result).toMatchObject({ received: { q: 1 } });
        return other.records.requests.slice(from);
      };
      const untrusted = await run();
      expect(untrusted.length).toBeGreaterThan(0);
      expect(untrusted.every((r) => r.authorization === undefined)).toBe(true);
      expect(pointing.records.requests.at(-1)?.authorization).toBe("Bearer s3cret-token");
      const trusted = await run([other.origin]);
      expect(trusted.every((r) => r.authorization === "Bearer s3cret-token")).toBe(true);
    } finally {
      await pointing.close();
      await other.close();
    }
  });
});
