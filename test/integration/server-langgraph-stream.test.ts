/**
 * LangGraph's `messages` and `updates` stream modes over ACP, over HTTP: an agent that
 * opts in (`streamLangGraph`) streams its model's tokens and its nodes' updates, its
 * subgraph's included with their namespace, as custom events in one envelope, to a
 * run that asks for them (`config.configurable.langgraph_stream_mode`); a run that
 * does not ask gets none, and none is stored.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { AIMessageChunk } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileJsonSchema } from "../../src/core/json-schema.js";
import { deserializeMessage, type SerializedMessage } from "../../src/core/langgraph-stream.js";
import {
  ACPClient,
  ApiClientConfiguration,
  type RunCreateStateless,
  type RunOutputStream,
} from "../../src/index.js";
import {
  deriveAgentId,
  interruptAnswers,
  isLangGraphStreamUpdate,
  LANGGRAPH_STREAM_KEY,
  type LangGraphStreamUpdate,
  langGraphStreamUpdateSchema,
  pendingInterruptsOf,
  type ServerStore,
  serveACP,
  sqliteStore,
} from "../../src/server/index.js";
import { parallelInterruptsAgent } from "../helpers/parallel-interrupts.js";
import { memoryAndPostgresStores } from "../helpers/postgres.js";
import { memoryLogger, raw, readSse, serverScope } from "../helpers/server.js";
import { loadSpec } from "../helpers/spec.js";
import { OWN_CUSTOM_SCHEMA, tokenAgent } from "../helpers/token-agents.js";

const REPLY = "Hello there";
const OPENAI_TOKENS = ["Tok", "ens", " from", " the", " wire"];

const ids = {
  fake: deriveAgentId("test.tokens.fake", "1.0.0"),
  openai: deriveAgentId("test.tokens.openai", "1.0.0"),
  own: deriveAgentId("test.tokens.own-custom", "1.0.0"),
  off: deriveAgentId("test.tokens.not-opted-in", "1.0.0"),
  asking: "parallel-interrupts-streaming",
};

/** A local OpenAI-compatible endpoint that streams each reply as one chunk per token. */
async function startTokenEndpoint(
  tokens: string[],
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        `data: ${JSON.stringify({
          id: "chatcmpl-tokens",
          object: "chat.completion.chunk",
          created: 0,
          model: "local",
          choices: [{ index: 0, delta, finish_reason: finish }],
        })}\n\n`;
      response.write(chunk({ role: "assistant", content: "" }));
      for (const token of tokens) response.write(chunk({ content: token }));
      response.write(chunk({}, "stop"));
      response.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A gate `talk` waits at, opened by the test; open unless a test closes it. */
function gate() {
  let open: () => void = () => undefined;
  let opened: Promise<void> = Promise.resolve();
  return {
    wait: () => opened,
    close() {
      opened = new Promise<void>((resolve) => {
        open = resolve;
      });
    },
    open: () => open(),
  };
}

/** The LangGraph envelopes among a stream's events, in order. */
function envelopes(events: RunOutputStream[]): LangGraphStreamUpdate[] {
  return events.flatMap((e) => {
    const update = e.data.type === "custom" ? e.data.update : undefined;
    return isLangGraphStreamUpdate(update) ? [update] : [];
  });
}

/** The token texts of the `messages` envelopes, in order (empty chunks left out). */
function tokensOf(updates: LangGraphStreamUpdate[]): string[] {
  return updates.flatMap((u) =>
    u.langgraph === "messages" && typeof u.data[0].content === "string" && u.data[0].content !== ""
      ? [u.data[0].content]
      : [],
  );
}

async function collect(stream: AsyncIterable<RunOutputStream>): Promise<RunOutputStream[]> {
  const events: RunOutputStream[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const ask = (modes: unknown): Pick<RunCreateStateless, "config"> => ({
  config: { configurable: { [LANGGRAPH_STREAM_KEY]: modes } },
});

const { dir } = serverScope("acp-langgraph-stream-");
const hold = gate();
let openai: Awaited<ReturnType<typeof startTokenEndpoint>>;

/** The test agents: a fake streaming model and ChatOpenAI, opted in; one with its own custom updates; one not opted in. */
function agents() {
  const fake = () => new FakeListChatModel({ responses: [REPLY] });
  return [
    tokenAgent({ name: "test.tokens.fake", model: fake, hold: hold.wait, streamLangGraph: true }),
    tokenAgent({
      name: "test.tokens.openai",
      model: () =>
        new ChatOpenAI({
          apiKey: "test",
          model: "local",
          maxRetries: 0,
          configuration: { baseURL: openai.url },
        }),
      streamLangGraph: true,
    }),
    tokenAgent({
      name: "test.tokens.own-custom",
      model: fake,
      streamLangGraph: true,
      ownCustom: true,
    }),
    tokenAgent({ name: "test.tokens.not-opted-in", model: fake, streamLangGraph: false }),
    { ...parallelInterruptsAgent(), agentId: ids.asking, streamLangGraph: true },
  ];
}

let url: string;
let client: ACPClient;
let closeServer: () => Promise<void>;

beforeAll(async () => {
  openai = await startTokenEndpoint(OPENAI_TOKENS);
  const running = await serveACP({
    agents: agents(),
    port: 0,
    hostname: "127.0.0.1",
    logger: memoryLogger(),
  });
  url = running.url;
  closeServer = () => running.close();
  client = new ACPClient({ configuration: new ApiClientConfiguration({ host: url }) });
});

afterAll(async () => {
  hold.open();
  await client?.close();
  await closeServer?.();
  await openai?.close();
});

describe("an agent that opts in", () => {
  it("declares custom streaming with the envelope's schema, or any of it and its own", async () => {
    const fake = await client.getAcpDescriptorById(ids.fake);
    expect(fake.specs.capabilities.streaming).toEqual({ values: true, custom: true });
    expect(fake.specs.custom_streaming_update).toEqual(langGraphStreamUpdateSchema);
    const own = await client.getAcpDescriptorById(ids.own);
    expect(own.specs.custom_streaming_update).toEqual({
      anyOf: [langGraphStreamUpdateSchema, OWN_CUSTOM_SCHEMA],
    });
    const off = await client.getAcpDescriptorById(ids.off);
    expect(off.specs.capabilities.streaming).toEqual({ values: true });
    expect(off.specs.custom_streaming_update).toBeUndefined();
  });

  it("streams the model's tokens in order as messages envelopes, the first while the run still executes", async () => {
    hold.close();
    const events: RunOutputStream[] = [];
    let statusAtFirstToken: string | undefined;
    for await (const event of client.createAndStreamStatelessRunOutput({
      agent_id: ids.fake,
      input: { text: "hi" },
      stream_mode: ["values", "custom"],
      ...ask(["messages"]),
    })) {
      events.push(event);
      if (statusAtFirstToken === undefined && tokensOf(envelopes([event])).length > 0) {
        const runId = (event.data as { run_id: string }).run_id;
        statusAtFirstToken = (await client.getStatelessRun(runId)).status;
        hold.open();
      }
    }
    expect(statusAtFirstToken).toBe("pending");
    const updates = envelopes(events);
    expect(tokensOf(updates)).toEqual([...REPLY]);
    expect(updates.every((u) => u.langgraph === "messages")).toBe(true);
    const first = updates[0] as LangGraphStreamUpdate;
    const [message, metadata] = first.data as [SerializedMessage, Record<string, unknown>];
    expect(message.type).toBe("AIMessageChunk");
    expect(deserializeMessage(message)).toBeInstanceOf(AIMessageChunk);
    expect(metadata).toMatchObject({ langgraph_node: "talk", langgraph_step: 1 });
    // Only what says where the token comes from: no configurable value (thread id, ...).
    for (const key of Object.keys(metadata)) {
      expect(key).toMatch(/^(langgraph_\w+|checkpoint_ns|tags|ls_\w+)$/);
    }
    expect(updates[0]?.namespace).toHaveLength(1);
    expect(updates[0]?.namespace[0]).toMatch(/^inner:/);
    const last = events.at(-1)?.data;
    expect(last).toMatchObject({ type: "values", status: "success", values: { reply: REPLY } });
    // The graph never saw the ask.
    expect(last).toMatchObject({ values: { asked: null } });
  });

  it("streams each node's update, the subgraph's under its namespace, in order with the tokens", async () => {
    const events = await collect(
      client.createAndStreamStatelessRunOutput({
        agent_id: ids.fake,
        input: { text: "hi" },
        ...ask(["updates", "messages"]),
      }),
    );
    const updates = envelopes(events);
    const nodeUpdates = updates.flatMap((u) =>
      u.langgraph === "updates" ? [{ namespace: u.namespace, data: u.data }] : [],
    );
    expect(nodeUpdates).toEqual([
      { namespace: [], data: { prep: { asked: null } } },
      { namespace: [expect.stringMatching(/^inner:/)], data: { talk: { reply: REPLY } } },
      { namespace: [], data: { inner: { text: "hi", reply: REPLY, asked: null } } },
    ]);
    const kinds = updates.map((u) =>
      u.langgraph === "messages" ? "token" : Object.keys(u.data)[0],
    );
    const firstToken = kinds.indexOf("token");
    expect(kinds.indexOf("prep")).toBeLessThan(firstToken);
    expect(kinds.lastIndexOf("token")).toBeLessThan(kinds.indexOf("talk"));
    expect(kinds.indexOf("talk")).toBeLessThan(kinds.indexOf("inner"));
  });

  it("sends envelopes a client of the plain protocol reads: valid custom updates of the spec and of the agent's schema", async () => {
    const spec = loadSpec();
    const customUpdate = compileJsonSchema({
      $ref: "#/components/schemas/CustomRunResultUpdate",
      components: spec.components,
    });
    const declared = compileJsonSchema(
      (await client.getAcpDescriptorById(ids.own)).specs.custom_streaming_update as object,
    );
    const response = await fetch(`${url}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        agent_id: ids.own,
        input: { text: "hi" },
        ...ask(["messages", "updates"]),
      }),
    });
    const { frames } = await readSse(response);
    const custom = frames
      .map((f) => JSON.parse(f.data ?? "null"))
      .filter((d) => d.type === "custom");
    expect(custom.length).toBeGreaterThan(REPLY.length);
    // The agent's own custom update and the envelopes, side by side.
    expect(custom[0].update).toEqual({ own: "prep" });
    for (const data of custom) {
      expect(customUpdate(data), JSON.stringify(customUpdate.errors)).toBe(true);
      expect(declared(data.update), JSON.stringify(declared.errors)).toBe(true);
    }
  });

  it("streams ChatOpenAI's tokens from a streaming chat-completions endpoint, in order", async () => {
    const events = await collect(
      client.createAndStreamStatelessRunOutput({
        agent_id: ids.openai,
        input: { text: "hi" },
        ...ask(["messages"]),
      }),
    );
    const updates = envelopes(events);
    expect(tokensOf(updates)).toEqual(OPENAI_TOKENS);
    const metadata = updates[0]?.data[1] as Record<string, unknown>;
    expect(metadata).toMatchObject({ langgraph_node: "talk", ls_provider: "openai" });
    expect(events.at(-1)?.data).toMatchObject({
      status: "success",
      values: { reply: OPENAI_TOKENS.join("") },
    });
  });

  it("carries the envelopes as custom events even to a run whose stream_mode is values only", async () => {
    const events = await collect(
      client.createAndStreamStatelessRunOutput({
        agent_id: ids.own,
        input: { text: "hi" },
        stream_mode: "values",
        ...ask(["messages"]),
      }),
    );
    const custom = events.filter((e) => e.data.type === "custom");
    expect(custom.length).toBe(REPLY.length);
    expect(envelopes(events)).toHaveLength(REPLY.length);
  });

  it("refuses an ask that is not a list of messages and updates, naming the field", async () => {
    const notList = await raw(url, "POST", "/runs/wait", {
      agent_id: ids.fake,
      input: { text: "hi" },
      ...ask("messages"),
    });
    expect(notList.status).toBe(422);
    expect(notList.text).toContain(`config.configurable.${LANGGRAPH_STREAM_KEY}`);
    const unknownMode = await raw(url, "POST", "/runs/wait", {
      agent_id: ids.fake,
      input: { text: "hi" },
      ...ask(["messages", "tokens"]),
    });
    expect(unknownMode.status).toBe(422);
    expect(unknownMode.text).toContain(`config.configurable.${LANGGRAPH_STREAM_KEY}[1]`);
    expect(unknownMode.text).toContain("tokens");
  });
});

describe("a run that asks and interrupts", () => {
  it("streams the updates of each leg, ends each with its interrupt or result, and keeps the ask across a resume", async () => {
    const first = await collect(
      client.createAndStreamStatelessRunOutput({
        agent_id: ids.asking,
        input: { topic: "tea" },
        ...ask(["updates"]),
      }),
    );
    // The interrupts are the run's to report, once, as its last event.
    expect(envelopes(first)).toEqual([]);
    const last = first.at(-1)?.data;
    expect(last).toMatchObject({ type: "interrupt", status: "interrupted" });
    const pending = pendingInterruptsOf(last) ?? [];
    expect(pending).toHaveLength(2);
    const runId = (last as { run_id: string }).run_id;
    await client.resumeStatelessRun(
      runId,
      interruptAnswers(Object.fromEntries(pending.map((p) => [p.id, "yes"]))),
    );
    await client.waitForStatelessRunOutput(runId);
    const joined = await fetch(`${url}/runs/${runId}/stream`, {
      headers: { "last-event-id": String(first.length) },
    });
    const second = (await readSse(joined)).frames.map((f) => JSON.parse(f.data ?? "null"));
    const nodes = second
      .filter((d) => isLangGraphStreamUpdate(d.update))
      .map((d) => Object.keys((d.update as { data: object }).data)[0])
      .sort();
    expect(nodes).toEqual(["left", "right"]);
    expect(second.at(-1)).toMatchObject({
      type: "values",
      status: "success",
      values: { answers: ["left: yes", "right: yes"] },
    });
  });
});

describe("a run that does not ask, and an agent that did not opt in", () => {
  it("gives a run that does not ask no envelope", async () => {
    const events = await collect(
      client.createAndStreamStatelessRunOutput({ agent_id: ids.fake, input: { text: "hi" } }),
    );
    expect(events.map((e) => e.data.type)).toEqual(["values", "values", "values"]);
  });

  it("ignores the ask for an agent that did not opt in: no envelope, and its config check never sees the key", async () => {
    const events = await collect(
      client.createAndStreamStatelessRunOutput({
        agent_id: ids.off,
        input: { text: "hi" },
        ...ask(["messages", "updates"]),
      }),
    );
    expect(envelopes(events)).toEqual([]);
    expect(events.at(-1)?.data).toMatchObject({ status: "success", values: { asked: null } });
    const badAsk = await raw(url, "POST", "/runs/wait", {
      agent_id: ids.off,
      input: { text: "hi" },
      ...ask("anything"),
    });
    expect(badAsk.status).toBe(200);
  });
});

const stores: Array<[string, () => ServerStore]> = [
  ...memoryAndPostgresStores(),
  ["SQLite", () => sqliteStore(join(dir, "runs.sqlite"))],
];

describe.each(stores)("what the %s store keeps of a run's stream", (_name, makeStore) => {
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const running = await serveACP({
      agents: agents(),
      store: makeStore(),
      port: 0,
      hostname: "127.0.0.1",
      logger: memoryLogger(),
    });
    base = running.url;
    stop = () => running.close();
  });

  afterAll(async () => {
    await stop?.();
  });

  /** The events stored for a finished thread run, read back by joining its stream. */
  async function storedEvents(body: Record<string, unknown>) {
    const thread = (await raw(base, "POST", "/threads", {})).body as { thread_id: string };
    const waited = await raw(base, "POST", `/threads/${thread.thread_id}/runs/wait`, {
      agent_id: ids.fake,
      input: { text: "hi" },
      ...body,
    });
    expect(waited.status).toBe(200);
    const runId = (waited.body as { run: { run_id: string } }).run.run_id;
    const joined = await fetch(`${base}/threads/${thread.thread_id}/runs/${runId}/stream`, {
      headers: { "last-event-id": "0" },
    });
    return (await readSse(joined)).frames.map((f) => JSON.parse(f.data ?? "null"));
  }

  it("keeps the envelopes of a run that asked, and none for one that did not", async () => {
    const asked = await storedEvents(ask(["messages", "updates"]));
    const askedUpdates = asked.filter((d) => isLangGraphStreamUpdate(d.update));
    expect(tokensOf(askedUpdates.map((d) => d.update))).toEqual([...REPLY]);
    const plain = await storedEvents({});
    expect(plain.map((d) => d.type)).toEqual(["values", "values", "values"]);
  });
});
