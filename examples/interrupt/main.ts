/**
 * A remote agent that asks before it buys: its `interrupt()` pauses the parent graph,
 * which shows the request and resumes with the answer.
 * `npm run example:interrupt -- --approve` (or `--reject`; asks at a terminal otherwise).
 */
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { ACPNode } from "agntcy-acp/langgraph";
import { deriveAgentId, serveACP } from "agntcy-acp/server";
import { describeChunk } from "../shared/progress.js";
import { type Cleanup, runExample } from "../shared/run-example.js";
import { type ApprovalRequest, buildPurchaseGraph, purchaseDescriptor } from "./purchase-agent.js";

const OrderState = Annotation.Root({
  purchase: Annotation<{ input: unknown; output?: Record<string, unknown> }>(),
});

/** The answer from the flags, the terminal, or the default, with where it came from. */
async function decide(
  request: ApprovalRequest,
  flags: { approve?: boolean; reject?: boolean },
): Promise<boolean> {
  if (flags.approve && flags.reject) throw new Error("give --approve or --reject, not both");
  if (flags.approve || flags.reject) {
    console.log(`answer from the command line: ${flags.approve ? "approve" : "reject"}`);
    return flags.approve === true;
  }
  if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      const said = await rl.question(`${request.question} [y/N] `);
      return /^y(es)?$/i.test(said.trim());
    } finally {
      rl.close();
    }
  }
  console.log("no --approve or --reject given and stdin is not a terminal: approving by default");
  return true;
}

async function purchase(cleanup: Cleanup): Promise<void> {
  const { values: flags } = parseArgs({
    options: { approve: { type: "boolean" }, reject: { type: "boolean" } },
  });
  const server = await serveACP({
    agents: [{ graph: buildPurchaseGraph(), descriptor: purchaseDescriptor }],
    port: 0,
    hostname: "127.0.0.1",
  });
  cleanup.add(() => server.close());
  console.log(`ACP server with the purchase agent at ${server.url}`);

  const purchaser = ACPNode.fromDescriptor({
    customStream: "event",
    name: "purchaser",
    descriptor: purchaseDescriptor,
    agentId: deriveAgentId(
      purchaseDescriptor.metadata.ref.name,
      purchaseDescriptor.metadata.ref.version,
    ),
    clientConfig: { host: server.url },
    inputPath: "purchase.input",
    outputPath: "purchase.output",
  });
  const graph = new StateGraph(OrderState)
    .addNode(purchaser.getName(), purchaser)
    .addEdge(START, purchaser.getName())
    .addEdge(purchaser.getName(), END)
    .compile({ checkpointer: new MemorySaver() });
  const config = { configurable: { thread_id: `order-${randomUUID()}` } };

  const streamed = async (input: unknown) => {
    const stream = await graph.stream(input as never, {
      ...config,
      streamMode: ["updates", "custom"],
    });
    for await (const [mode, chunk] of stream) {
      for (const line of describeChunk(mode, chunk)) console.log(line);
    }
    return graph.getState(config);
  };

  console.log("\nordering 3 x ergonomic keyboard at 89.90 EUR each");
  const paused = await streamed({
    purchase: { input: { item: "ergonomic keyboard", quantity: 3, unit_price: 89.9 } },
  });
  const request = paused.tasks.flatMap((t) => t.interrupts)[0]?.value as
    | ApprovalRequest
    | undefined;
  if (!request) throw new Error("the purchase agent did not ask for approval");
  console.log(`\nthe graph is paused; the remote agent asks: ${request.question}`);

  const approved = await decide(request, flags);
  console.log(`\nresuming with { approved: ${approved} }`);
  const done = await streamed(new Command({ resume: { approved } }));
  if (done.next.length > 0) throw new Error("the graph did not finish after the answer");
  const output = (done.values as typeof OrderState.State).purchase.output;
  console.log(
    `\norder ${output?.status}: total ${output?.total} EUR, order id ${output?.order_id}`,
  );
}

await runExample(purchase);
