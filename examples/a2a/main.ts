/**
 * One graph, two protocols: city_guide is called over ACP (`ACPNode`), itinerary_writer
 * over A2A (`A2ANode`, built from its card URL), and the I/O mapper turns the guide's
 * answer into the writer's input. Both agents are served by this project's server,
 * which serves every agent over ACP and A2A at once. The writer asks how many days the
 * trip lasts: the parent graph pauses, and resumes with the answer. `npm run example:a2a`
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { A2ANode, ACPNode, addIoMappedEdge } from "agntcy-acp/langgraph";
import { deriveAgentId, serveACP } from "agntcy-acp/server";
import { chooseChatModel } from "../shared/chat-model.js";
import { mapperDataRule } from "../shared/mapper-rules.js";
import { describeChunk } from "../shared/progress.js";
import { type Cleanup, runExample } from "../shared/run-example.js";
import { ScriptedChatModel } from "../shared/scripted-model.js";
import {
  buildCityGuideGraph,
  buildItineraryWriterGraph,
  cityGuideDescriptor,
  itineraryWriterDescriptor,
} from "./agents.js";
import { describeA2AChunk } from "./events.js";

const TripState = Annotation.Root({
  guide: Annotation<{ input: { city: string }; output?: unknown }>(),
  writer: Annotation<{ input?: unknown; output?: { days?: number; itinerary?: string[] } }>(),
});

/** The trip this example plans, and the answer it gives when the writer asks. */
const CITY = "Lyon";
const DAYS = 2;

/** Counts the chat model calls the mapper makes. */
class LLMCallCounter extends BaseCallbackHandler {
  name = "llm_call_counter";
  calls = 0;

  override handleChatModelStart(): void {
    this.calls += 1;
  }
}

const idOf = (descriptor: typeof cityGuideDescriptor) =>
  deriveAgentId(descriptor.metadata.ref.name, descriptor.metadata.ref.version);

/** Prints what a stream of the parent graph shows, and the question it paused on. */
async function follow(stream: AsyncIterable<[string, unknown]>): Promise<unknown> {
  let question: unknown;
  for await (const [mode, chunk] of stream) {
    const lines = describeA2AChunk(mode, chunk) ?? describeChunk(mode, chunk);
    for (const line of lines) console.log(line);
    const paused = (chunk as { __interrupt__?: { value: unknown }[] }).__interrupt__;
    if (mode === "updates" && paused) question = paused[0]?.value;
  }
  return question;
}

async function trip(cleanup: Cleanup): Promise<void> {
  const chosen = chooseChatModel(() => new ScriptedChatModel([mapperDataRule]));
  console.log(chosen.description);
  const server = await serveACP({
    agents: [
      { graph: buildCityGuideGraph(), descriptor: cityGuideDescriptor },
      { graph: buildItineraryWriterGraph(), descriptor: itineraryWriterDescriptor },
    ],
    port: 0,
    hostname: "127.0.0.1",
  });
  cleanup.add(() => server.close());
  const writerBase = `${server.url}/a2a/${idOf(itineraryWriterDescriptor)}/`;
  console.log(`one server at ${server.url}, every agent over ACP and A2A:`);
  console.log(`  city_guide, called over ACP as agent ${idOf(cityGuideDescriptor)}`);
  console.log(`  itinerary_writer, called over A2A at ${writerBase}`);

  const guide = ACPNode.fromDescriptor({
    customStream: "event",
    name: "city_guide",
    descriptor: cityGuideDescriptor,
    agentId: idOf(cityGuideDescriptor),
    clientConfig: { host: server.url },
    inputPath: "guide.input",
    outputPath: "guide.output",
  });
  // Everything the node needs is on the card: transports, streaming, and the JSON
  // Schemas the mapper reads (the server puts them in a card extension).
  const writer = await A2ANode.fromCardUrl(writerBase, {
    name: "itinerary_writer",
    inputPath: "writer.input",
    outputPath: "writer.output",
  });
  const card = writer.card;
  console.log(
    `card: ${card.name} ${card.version}, ${card.supportedInterfaces.map((i) => i.protocolBinding).join(" and ")}, streaming: ${card.capabilities?.streaming === true}`,
  );

  const builder = new StateGraph(TripState)
    .addNode(guide.getName(), guide)
    .addNode(writer.getName(), writer)
    .addEdge(START, guide.getName())
    .addEdge(writer.getName(), END);
  addIoMappedEdge(builder, guide, writer, {}, chosen.llm);
  const graph = builder.compile({ checkpointer: new MemorySaver() });

  const counter = new LLMCallCounter();
  const config = {
    configurable: { thread_id: `trip-${crypto.randomUUID()}` },
    callbacks: [counter],
    streamMode: ["updates", "custom"] as ("updates" | "custom")[],
  };
  console.log(`\n=== a trip to ${CITY}`);
  const question = await follow(await graph.stream({ guide: { input: { city: CITY } } }, config));
  if (question === undefined) throw new Error("the writer did not ask how long the trip is");
  console.log(`the A2A agent asks: ${JSON.stringify(question)}; answering ${DAYS}`);
  await follow(await graph.stream(new Command({ resume: DAYS }), config));

  const done = await graph.getState(config);
  const plan = (done.values as typeof TripState.State).writer.output;
  console.log("\n=== the itinerary");
  for (const line of plan?.itinerary ?? []) console.log(line);
  console.log(`\nthe I/O mapper cost ${counter.calls} LLM call(s)`);
}

await runExample(trip);
