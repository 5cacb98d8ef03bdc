/**
 * Benchmark 4: what the LangGraph.js bindings add. (a) An `ACPNode` in a graph vs
 * calling the client directly, against the project's ACP server in its own process.
 * (b) The I/O mapper's compiled mode vs LLM mode over 100 runs of one edge: model calls
 * and time per edge traversal, next to a hand-written mapping edge.
 */
import type { BaseMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { z } from "zod";
import { ACPClient } from "../src/index.js";
import { ACPNode, addIoMappedEdge, type IOMappableNode } from "../src/langgraph/index.js";
import { startChild } from "./lib/child.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { alternate, fmt, median, timed } from "./lib/stats.js";

const NodeState = Annotation.Root({ agent: Annotation<Record<string, unknown>> });

async function nodeVsClient(mode: BenchMode): Promise<{ rows: string[][]; ratio: number }> {
  const server = await startChild<{ url: string }>("servers/throughput-server.ts", ["acp"]);
  const client = ACPClient.fromConfiguration({ host: server.ready.url });
  const node = new ACPNode({
    name: "echo",
    agentId: "echo",
    client,
    inputPath: "agent.input",
    outputPath: "agent.output",
    streamMode: [],
  });
  const graph = new StateGraph(NodeState)
    .addNode(node.getName(), node)
    .addEdge(START, node.getName())
    .addEdge(node.getName(), END)
    .compile();
  const plainGraph = new StateGraph(NodeState)
    .addNode("call", async (state: typeof NodeState.State) => ({
      agent: {
        ...state.agent,
        output: (
          await client.createAndWaitForStatelessRunOutput({
            agent_id: "echo",
            input: state.agent.input as Record<string, unknown>,
          })
        ).output,
      },
    }))
    .addEdge(START, "call")
    .addEdge("call", END)
    .compile();
  const calls = mode.quick ? 100 : 400;
  const rounds = mode.quick ? 3 : 9;
  const perCall = (work: () => Promise<unknown>) => async () =>
    (await timed(async () => {
      for (let i = 0; i < calls; i++) await work();
    })) / calls;
  try {
    const check = await graph.invoke({ agent: { input: { text: "hello" } } });
    if (JSON.stringify(check.agent.output).indexOf("echo: hello") < 0) {
      throw new Error(`the ACPNode wrote ${JSON.stringify(check.agent)}`);
    }
    const samples = await alternate(
      [
        {
          name: "node",
          round: perCall(() => graph.invoke({ agent: { input: { text: "hello" } } })),
        },
        {
          name: "plain",
          round: perCall(() => plainGraph.invoke({ agent: { input: { text: "hello" } } })),
        },
        {
          name: "client",
          round: perCall(() =>
            client.createAndWaitForStatelessRunOutput({
              agent_id: "echo",
              input: { text: "hello" },
            }),
          ),
        },
      ],
      rounds,
    );
    const ours = median(samples.get("node") ?? []);
    const direct = median(samples.get("client") ?? []);
    const plain = median(samples.get("plain") ?? []);
    return {
      ratio: ours / direct,
      rows: [
        ["`ACPNode` in a one-node graph, `graph.invoke`", "-", fmt(ours), fmt(ours / direct)],
        [
          "a plain function node calling the client, `graph.invoke` (reference)",
          "-",
          fmt(plain),
          fmt(plain / direct),
        ],
        ["`client.createAndWaitForStatelessRunOutput`", "-", fmt(direct), "1.00"],
      ],
    };
  } finally {
    await client.close();
    await server.stop();
  }
}

const Message = z.object({ type: z.enum(["human", "assistant"]), content: z.string() });
const ComposerOutput = z.object({ messages: z.array(Message) });
const ReviewerInput = z.object({ email: z.string(), audience: z.enum(["general", "technical"]) });
type Composed = z.infer<typeof ComposerOutput>;
const MapState = Annotation.Root({
  composer_state: Annotation<{ input?: Composed; output?: Composed }>,
  reviewer_state: Annotation<{ input?: z.infer<typeof ReviewerInput>; output?: string }>,
});
type MapGraphState = typeof MapState.State;

const composer: IOMappableNode = {
  getName: () => "composer",
  inputPath: "composer_state.input",
  outputPath: "composer_state.output",
  outputType: ComposerOutput,
};
const reviewer: IOMappableNode = {
  getName: () => "reviewer",
  inputPath: "reviewer_state.input",
  outputPath: "reviewer_state.output",
  inputType: ReviewerInput,
};

/** A chat model with no latency that answers mapping requests and counts its calls. */
class MappingModel extends FakeListChatModel {
  calls = 0;
  constructor() {
    super({ responses: ["{}"] });
  }
  override async _generate(messages: BaseMessage[], options?: this["ParsedCallOptions"]) {
    this.calls++;
    const system = String(messages[0]?.content);
    const user = String(messages.at(-1)?.content);
    const email = /"content": "([^"]*)"\s*}\s*]\s*}?\s*}?\s*$/m.exec(user)?.[1] ?? "";
    this.responses = [
      system.includes("deterministic data mappings")
        ? JSON.stringify({
            fieldMapping: {
              "reviewer_state.input.email": "$.composer_state.output.messages[-1:].content",
              "reviewer_state.input.audience": { value: "general" },
            },
          })
        : JSON.stringify({
            reviewer_state: { input: { email: email || "draft", audience: "general" } },
          }),
    ];
    this.i = 0;
    return super._generate(messages, options);
  }
}

function mapperGraph(edge: "compiled" | "llm" | "hand", llm: MappingModel) {
  const builder = new StateGraph(MapState)
    .addNode("composer", (state: MapGraphState) => ({
      composer_state: { ...state.composer_state, output: state.composer_state.input },
    }))
    .addNode("reviewer", (state: MapGraphState) => {
      const input = ReviewerInput.parse(state.reviewer_state.input);
      return {
        reviewer_state: { ...state.reviewer_state, output: `${input.audience}: ${input.email}` },
      };
    })
    .addEdge(START, "composer")
    .addEdge("reviewer", END);
  if (edge === "hand") {
    return builder
      .addNode("map", (state: MapGraphState) => ({
        reviewer_state: {
          input: {
            email: state.composer_state.output?.messages.at(-1)?.content ?? "",
            audience: "general" as const,
          },
        },
      }))
      .addEdge("composer", "map")
      .addEdge("map", "reviewer")
      .compile();
  }
  addIoMappedEdge(
    builder,
    composer,
    reviewer,
    { mode: edge === "compiled" ? "compiled" : "llm" },
    llm,
  );
  return builder.compile();
}

async function mapperModes(): Promise<string[][]> {
  const runs = 100;
  const rows: string[][] = [];
  const perRun: Record<string, number> = {};
  for (const edge of ["hand", "compiled", "llm"] as const) {
    const llm = new MappingModel();
    const graph = mapperGraph(edge, llm);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const input = {
        composer_state: {
          input: { messages: [{ type: "assistant" as const, content: `Draft ${i}` }] },
        },
      };
      let out: MapGraphState | undefined;
      times.push(
        await timed(async () => {
          out = (await graph.invoke(input)) as MapGraphState;
        }),
      );
      if (out?.reviewer_state.output !== `general: Draft ${i}` && edge !== "llm") {
        throw new Error(`${edge} edge wrote ${JSON.stringify(out?.reviewer_state)}`);
      }
    }
    perRun[edge] = median(times.slice(1));
    rows.push([
      edge === "hand"
        ? "hand-written mapping node (reference)"
        : `\`addIoMappedEdge\` mode \`${edge}\``,
      String(llm.calls),
      fmt(perRun[edge] as number),
      fmt((perRun[edge] as number) - (perRun.hand as number)),
    ]);
  }
  return rows;
}

/** Measures the ACPNode against the bare client and the I/O mapper modes against a hand-written edge. */
export async function graphOverhead(mode: BenchMode): Promise<BenchResult> {
  const node = await nodeVsClient(mode);
  const mapper = await mapperModes();
  return {
    title: "4. Graph overhead",
    method:
      "(a) A one-node graph whose node is an `ACPNode` (wait mode) vs the same call made with the client, against the project's ACP server in its own process; sequential calls, alternating rounds, median ms per call. (b) 100 runs of a composer → reviewer graph joined by `addIoMappedEdge` in compiled and in LLM mode, with an in-process chat model that answers at once (so the time is the mapper's own; a real model adds its latency to every LLM-mode call), next to the same graph joined by a hand-written mapping node.",
    columns: [
      "contender",
      "model calls (100 runs)",
      "median ms per call / run",
      "ratio / ms over reference",
    ],
    rows: [...node.rows, ...mapper],
    notes: [
      `ACPNode / direct client call: ${fmt(node.ratio)}. Compare the plain function node that makes the same client call: what the node costs over the client is LangGraph.js itself. In wait mode the node makes one request, \`createAndWaitForStatelessRunOutput\` with its task tag in the run's metadata (so \`RunDriver.recover\` can find the run again after a lost answer), as the direct call does.`,
      "The last column of the mapper rows is the time the edge adds over the hand-written node, per traversal. Compiled mode makes one model call for all 100 runs (to write the JSONPath mapping), LLM mode one per run; with a real model each of those calls costs its latency (typically hundreds of ms), which this in-process model does not have. With a model that answers at once, compiled mode's per-run work (evaluating the JSONPath mapping and checking its result against the target schema) can cost as much as LLM mode's prompt and parse, so the time column alone does not favour it here; the model-call column is what compiled mode saves.",
    ],
  };
}
