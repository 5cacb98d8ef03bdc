/**
 * Two agents with different schemas joined by `addIoMappedEdge`, mapped three ways:
 * by an LLM on every run, by JSONPath rules (imperative, no LLM), and by a mapping an
 * LLM writes once and the graph reuses (compiled). `npm run example:io-mapper`
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import {
  ACPNode,
  addIoMappedEdge,
  type IOMapperConfig,
  type IOMapperMode,
  type IOMappingAgent,
} from "agntcy-acp/langgraph";
import { deriveAgentId, serveACP } from "agntcy-acp/server";
import { chooseChatModel } from "../shared/chat-model.js";
import { mapperCompileRule, mapperDataRule } from "../shared/mapper-rules.js";
import { type Cleanup, runExample } from "../shared/run-example.js";
import { ScriptedChatModel } from "../shared/scripted-model.js";
import {
  buildProspectFinderGraph,
  buildWelcomeWriterGraph,
  PROSPECTS,
  prospectFinderDescriptor,
  welcomeWriterDescriptor,
} from "./agents.js";

const PipelineState = Annotation.Root({
  finder: Annotation<{ input: { company_domain: string }; output?: unknown }>(),
  writer: Annotation<{ input?: unknown; output?: { message: string } }>(),
});

/** Counts the chat model calls made under the config it is given to. */
class LLMCallCounter extends BaseCallbackHandler {
  name = "llm_call_counter";
  calls = 0;

  override handleChatModelStart(): void {
    this.calls += 1;
  }
}

/** The imperative mode's rules: output path -> JSONPath into the mapper's input. */
const FIELD_MAPPING = {
  "writer.input.name": "$.finder.output.prospect.full_name",
  "writer.input.email": "$.finder.output.prospect.email_address",
  "writer.input.company": "$.finder.output.prospect.company",
  "writer.input.topics": "$.finder.output.interests",
};

const MODES: Record<IOMapperMode, IOMapperConfig> = {
  llm: { mode: "llm" },
  imperative: { mode: "imperative", fieldMapping: FIELD_MAPPING },
  compiled: { mode: "compiled" },
};

function pipeline(acpUrl: string, mapper: IOMapperConfig, llm: BaseChatModel) {
  const node = (name: string, key: string, descriptor: typeof prospectFinderDescriptor) =>
    ACPNode.fromDescriptor({
      customStream: "event",
      name,
      descriptor,
      agentId: deriveAgentId(descriptor.metadata.ref.name, descriptor.metadata.ref.version),
      clientConfig: { host: acpUrl },
      inputPath: `${key}.input`,
      outputPath: `${key}.output`,
    });
  const finder = node("prospect_finder", "finder", prospectFinderDescriptor);
  const writer = node("welcome_writer", "writer", welcomeWriterDescriptor);
  const builder = new StateGraph(PipelineState)
    .addNode(finder.getName(), finder)
    .addNode(writer.getName(), writer)
    .addEdge(START, finder.getName())
    .addEdge(writer.getName(), END);
  const agent: IOMappingAgent = addIoMappedEdge(builder, finder, writer, mapper, llm);
  return { graph: builder.compile(), agent };
}

async function mappers(cleanup: Cleanup): Promise<void> {
  const chosen = chooseChatModel(() => new ScriptedChatModel([mapperDataRule, mapperCompileRule]));
  console.log(chosen.description);
  const server = await serveACP({
    agents: [
      { graph: buildProspectFinderGraph(), descriptor: prospectFinderDescriptor },
      { graph: buildWelcomeWriterGraph(), descriptor: welcomeWriterDescriptor },
    ],
    port: 0,
    hostname: "127.0.0.1",
  });
  cleanup.add(() => server.close());
  console.log(`ACP server with prospect_finder and welcome_writer at ${server.url}`);
  console.log(
    "prospect_finder answers { prospect: { full_name, email_address, company }, interests, score }",
  );
  console.log("welcome_writer wants { name, email, company, topics }");

  for (const [mode, config] of Object.entries(MODES)) {
    const { graph, agent } = pipeline(server.url, config, chosen.llm);
    const counter = new LLMCallCounter();
    console.log(`\n--- mode: ${mode} ---`);
    for (const domain of Object.keys(PROSPECTS)) {
      const out = await graph.invoke(
        { finder: { input: { company_domain: domain } } },
        { callbacks: [counter] },
      );
      console.log(`  ${domain}: ${out.writer.output?.message}`);
    }
    const runs = Object.keys(PROSPECTS).length;
    console.log(`  cost: ${counter.calls} LLM call(s) for ${runs} runs`);
    const compiled = await agent.compiledMapping();
    if (compiled) console.log(`  mapping written once: ${JSON.stringify(compiled.fieldMapping)}`);
  }
}

await runExample(mappers);
