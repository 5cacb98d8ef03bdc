/**
 * Benchmark 12: a remote model's tokens in the parent graph's stream. (a) How long a
 * token takes from the remote model emitting it to the parent's `messages` stream
 * yielding it, through an `ACPNode`, next to the same tokens read with the project's
 * client from the run's stream and to a model called by a local node (LangGraph's
 * own cost): median and p99 over many tokens. (b) What asking for tokens costs a
 * run: runs/s of streamed stateless runs that ask for `messages` against runs that do
 * not, at 1 and 16 clients. The server runs in this process, so the model's clock and
 * the readers' clock are one.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
} from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import {
  Annotation,
  END,
  type LangGraphRunnableConfig,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { Pool } from "undici";
import { ACPClient, type RunCreateStateless } from "../src/index.js";
import { remoteJobGraph } from "../test/helpers/acp-node-parent.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { server, serverSource } from "./lib/server-module.js";
import { alternate, fmt, median, percentile } from "./lib/stats.js";
import type { Load } from "./lib/wait-load.js";

const AGENT_ID = "bench-tokens";

/** A token's text: the time (`performance.now()`) the model emitted it, then a space. */
const stampToken = () => `${performance.now().toFixed(3)} `;
const TOKEN = /^(\d+\.\d{3}) $/;

/** When the model emitted `content`, if it is one of its tokens. */
function emittedAt(content: unknown): number | undefined {
  const match = typeof content === "string" ? TOKEN.exec(content) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * A chat model that answers `tokens` tokens, one every `intervalMs` (at once for 0),
 * each stamped with the time it is emitted. Asked without a stream, it answers the
 * whole reply in one message, as a provider's model does.
 */
class TickingChatModel extends BaseChatModel {
  constructor(
    private readonly tokens: number,
    private readonly intervalMs: number,
  ) {
    super({});
  }

  _llmType(): string {
    return "bench-ticking";
  }

  async _generate(): Promise<ChatResult> {
    const text = Array.from({ length: this.tokens }, stampToken).join("");
    return { generations: [{ text, message: new AIMessage(text) }] };
  }

  override async *_streamResponseChunks(
    _messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    for (let i = 0; i < this.tokens; i++) {
      if (this.intervalMs > 0) await new Promise((r) => setTimeout(r, this.intervalMs));
      const text = stampToken();
      const chunk = new ChatGenerationChunk({ text, message: new AIMessageChunk(text) });
      yield chunk;
      await runManager?.handleLLMNewToken(text, undefined, undefined, undefined, undefined, {
        chunk,
      });
    }
  }
}

const TalkState = Annotation.Root({
  tokens: Annotation<number>,
  interval_ms: Annotation<number>,
  reply: Annotation<string>,
});

/** The node that asks the ticking model, in the served agent and in the local graph. */
async function talk(state: typeof TalkState.State, config: LangGraphRunnableConfig) {
  const model = new TickingChatModel(state.tokens, state.interval_ms);
  const message = await model.invoke([new HumanMessage("go")], config);
  return { reply: String(message.content) };
}

function talkGraph() {
  return new StateGraph(TalkState)
    .addNode("talk", talk)
    .addEdge(START, "talk")
    .addEdge("talk", END)
    .compile();
}

/** The served agent: one node that asks the ticking model; it streams LangGraph's modes. */
function tokenAgent() {
  return {
    graph: talkGraph(),
    agentId: AGENT_ID,
    streamLangGraph: true,
    descriptor: {
      metadata: { ref: { name: "bench.tokens", version: "1.0.0" }, description: "ticks" },
      specs: {
        capabilities: {
          threads: false,
          interrupts: false,
          callbacks: false,
          streaming: { values: true },
        },
        input: {
          type: "object",
          properties: { tokens: { type: "integer" }, interval_ms: { type: "number" } },
          required: ["tokens", "interval_ms"],
        },
        output: { type: "object" },
        config: { type: "object" },
      },
    },
  };
}

/** A parent graph whose one node is an `ACPNode` calling the served agent. */
function parentGraph(client: ACPClient) {
  return remoteJobGraph({ agentId: AGENT_ID, client });
}

/** The ask for tokens, as a run's configuration carries it. */
const askForTokens = { configurable: { [server.LANGGRAPH_STREAM_KEY]: ["messages"] } };

type Path = "local" | "client" | "node";
const pathLabels: Record<Path, string> = {
  local: "model in a local node, parent's `messages` stream (LangGraph alone)",
  client: "served agent, the project's client reading the run's stream",
  node: "served agent through `ACPNode`, parent's `messages` stream",
};

/** Milliseconds from each token's emission to its arrival, for each token of `chunks`. */
async function latencies(
  chunks: AsyncIterable<unknown>,
  contentOf: (chunk: unknown) => unknown,
  expected: number,
): Promise<number[]> {
  const delays: number[] = [];
  for await (const chunk of chunks) {
    const arrived = performance.now();
    const emitted = emittedAt(contentOf(chunk));
    if (emitted !== undefined) delays.push(arrived - emitted);
  }
  if (delays.length !== expected) {
    throw new Error(`expected ${expected} tokens in the stream, read ${delays.length}`);
  }
  return delays;
}

/** The content of a parent `messages` chunk (`[message, metadata]`). */
const messageContent = (chunk: unknown) => (chunk as [BaseMessage, unknown])[0].content;

/** Sends `total` streamed stateless runs with `body` from `concurrency` clients, reading each stream whole. */
async function postStreamRuns(
  pool: Pool,
  body: string,
  concurrency: number,
  total: number,
): Promise<Load> {
  const requestLatencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const start = performance.now();
      const answer = await pool.request({
        path: "/runs/stream",
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body,
      });
      const text = await answer.body.text();
      requestLatencies.push(performance.now() - start);
      if (answer.statusCode !== 200 || !text.includes('"status":"success"')) {
        throw new Error(`status ${answer.statusCode}: ${text.slice(0, 200)}`);
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { rps: total / ((performance.now() - start) / 1000), latencies: requestLatencies };
}

/** Measures token latency to the parent's stream and the runs/s cost of asking for tokens. */
export async function tokenStreaming(mode: BenchMode): Promise<BenchResult> {
  const running = await server.serveACP({
    agents: [tokenAgent()],
    port: 0,
    hostname: "127.0.0.1",
    logger: { warn: () => undefined },
  });
  const client = ACPClient.fromConfiguration({ host: running.url });
  const rows: string[][] = [];
  const notes: string[] = [];
  const tokensPerRun = 50;
  const intervalMs = 10;
  const latencyRounds = mode.quick ? 3 : 20;
  const replyTokens = 32;
  const costRounds = mode.quick ? 3 : 9;
  try {
    // (a) Latency: one run per path per round, paths alternating.
    const input = { tokens: tokensPerRun, interval_ms: intervalMs };
    const local = talkGraph();
    const parent = parentGraph(client);
    const runs: Record<Path, () => Promise<number[]>> = {
      local: async () =>
        latencies(
          await local.stream({ ...input }, { streamMode: "messages" }),
          messageContent,
          tokensPerRun,
        ),
      client: () =>
        latencies(
          client.createAndStreamStatelessRunOutput({
            agent_id: AGENT_ID,
            input,
            config: askForTokens,
          }),
          (event) => {
            const update = (event as { data: { type: string; update?: unknown } }).data;
            const envelope = update.type === "custom" ? update.update : undefined;
            return server.isLangGraphStreamUpdate(envelope) && envelope.langgraph === "messages"
              ? envelope.data[0].content
              : undefined;
          },
          tokensPerRun,
        ),
      node: async () =>
        latencies(
          await parent.stream({ job: { input } }, { streamMode: "messages" }),
          messageContent,
          tokensPerRun,
        ),
    };
    const delays = new Map<Path, number[]>();
    const paths = Object.keys(runs) as Path[];
    await alternate(
      paths.map((path) => {
        let warmedUp = false;
        return {
          name: path,
          round: async () => {
            const measured = await runs[path]();
            // The first run of each path is its warm-up.
            if (warmedUp) delays.set(path, [...(delays.get(path) ?? []), ...measured]);
            warmedUp = true;
            return median(measured);
          },
        };
      }),
      latencyRounds,
    );
    for (const path of paths) {
      const samples = delays.get(path) ?? [];
      rows.push([
        "token latency",
        "1",
        pathLabels[path],
        "-",
        fmt(percentile(samples, 0.5), 3),
        fmt(percentile(samples, 0.99), 3),
        String(samples.length),
        "-",
      ]);
    }
    const p50 = (path: Path) => percentile(delays.get(path) ?? [], 0.5);
    notes.push(
      `Token latency, median: the server, HTTP, SSE and the client's parsing add ${fmt(p50("client") - p50("local"), 3)} ms over a local node's model; \`ACPNode\` turning the events into the parent's message chunks adds ${fmt(p50("node") - p50("client"), 3)} ms more.`,
    );

    // (b) Cost: streamed runs that ask for tokens vs runs that do not, alternating.
    const plainBody = JSON.stringify({
      agent_id: AGENT_ID,
      input: { tokens: replyTokens, interval_ms: 0 },
    });
    const askingBody = JSON.stringify({
      agent_id: AGENT_ID,
      input: { tokens: replyTokens, interval_ms: 0 },
      config: askForTokens,
    });
    await checkAsk(client, JSON.parse(plainBody), 0);
    await checkAsk(client, JSON.parse(askingBody), replyTokens);
    const kinds = ["plain", "plain2", "asking"] as const;
    type Kind = (typeof kinds)[number];
    const kindLabels: Record<Kind, string> = {
      plain: "streamed run that does not ask for tokens (baseline)",
      plain2: "the same again (noise floor)",
      asking: `streamed run that asks for \`messages\` (${replyTokens} token events)`,
    };
    const bodies: Record<Kind, string> = {
      plain: plainBody,
      plain2: plainBody,
      asking: askingBody,
    };
    const ratios: string[] = [];
    const floors: string[] = [];
    const perToken: string[] = [];
    for (const concurrency of [1, 16]) {
      const total = (mode.quick ? 100 : 400) * (concurrency === 1 ? 1 : 2);
      const pool = new Pool(running.url, { connections: concurrency, pipelining: 1 });
      const loads = new Map<Kind, Load[]>(kinds.map((k) => [k, []]));
      const samples = await alternate(
        kinds.map((kind) => ({
          name: kind,
          round: async () => {
            const result = await postStreamRuns(pool, bodies[kind], concurrency, total);
            loads.get(kind)?.push(result);
            return result.rps;
          },
        })),
        costRounds,
      );
      await pool.close();
      const rps = (kind: Kind) => median(samples.get(kind) ?? []);
      for (const kind of kinds) {
        // The first load of each is the warm-up round.
        const requestLatencies = (loads.get(kind) ?? []).slice(1).flatMap((l) => l.latencies);
        rows.push([
          "runs/s",
          String(concurrency),
          kindLabels[kind],
          fmt(rps(kind), 0),
          fmt(percentile(requestLatencies, 0.5)),
          fmt(percentile(requestLatencies, 0.99)),
          String(requestLatencies.length),
          fmt(rps(kind) / rps("plain")),
        ]);
      }
      ratios.push(`${concurrency}: ${fmt(rps("asking") / rps("plain"))}`);
      // What each token event adds to a run, from the runs/s of both kinds.
      perToken.push(
        `${concurrency}: ${fmt(((1 / rps("asking") - 1 / rps("plain")) * 1000) / replyTokens, 3)}`,
      );
      floors.push(`${concurrency}: ${fmt(rps("plain2") / rps("plain"))}`);
    }
    notes.push(
      `Cost of asking for tokens, runs/s of runs that ask over runs that do not, by clients: ${ratios.join(", ")}. Noise floor (the baseline measured twice), by clients: ${floors.join(", ")}: differences within this distance of 1 are the machine's, not the feature's.`,
      `Time per token event, server and reader (the difference of the two kinds' time per run, over ${replyTokens} tokens), ms by clients: ${perToken.join(", ")}. A run that asks streams, and stores in the run's events, one custom event per token.`,
      "No target is set for this benchmark: the figures are reported only.",
    );
  } finally {
    await client.close();
    await running.close();
  }
  return {
    title: "12. Token streaming",
    method: `One agent served by the project's server (${serverSource === "dist" ? "the built package, `dist/`" : "the sources, through tsx"}) in this process, on 127.0.0.1 (the client and \`ACPNode\` from the sources), with \`streamLangGraph: true\`; its one node asks a chat model that stamps each token with the time it emits it (\`performance.now()\`, one clock for the model and the readers). Token latency: ${tokensPerRun} tokens per run, one every ${intervalMs} ms, from emission to the moment the reader gets it, for the model in a node of a local graph streamed with \`streamMode: "messages"\`, for the project's client reading the run's stream (\`createAndStreamStatelessRunOutput\`, \`langgraph_stream_mode: ["messages"]\`), and for a parent graph whose \`ACPNode\` calls the agent, streamed with \`streamMode: "messages"\`; one run per path per round, ${latencyRounds} alternating rounds after a warm-up, percentiles over all tokens. Cost: \`POST /runs/stream\` stateless runs whose model answers ${replyTokens} tokens at once, read whole from an undici pool with one kept-alive connection per client (in this process too, so reading the longer stream of a run that asks is counted), asking for \`messages\` or not; ${costRounds} alternating rounds per concurrency after a warm-up, median runs/s, request latency percentiles over all measured runs.`,
    columns: [
      "part",
      "clients",
      "path, run",
      "median runs/s",
      "p50 ms",
      "p99 ms",
      "samples",
      "ratio",
    ],
    rows,
    notes,
  };
}

/** Checks that a run with `body` streams `expected` token events, before it is measured. */
async function checkAsk(
  client: ACPClient,
  body: RunCreateStateless,
  expected: number,
): Promise<void> {
  let tokens = 0;
  for await (const event of client.createAndStreamStatelessRunOutput(body)) {
    const update = event.data.type === "custom" ? event.data.update : undefined;
    if (server.isLangGraphStreamUpdate(update) && update.langgraph === "messages") tokens++;
  }
  if (tokens !== expected) {
    throw new Error(`a run of ${JSON.stringify(body.config ?? {})} streamed ${tokens} tokens`);
  }
}
