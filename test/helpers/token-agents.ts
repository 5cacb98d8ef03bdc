/**
 * Agents whose chat model streams tokens, with their ACP descriptors. A token agent
 * runs `prep` (a node of the agent's graph), then `inner`, a subgraph whose `talk`
 * node calls the model; a talker runs `talk` alone. What the model is and when `talk`
 * may end are the test's.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage } from "@langchain/core/messages";
import {
  Annotation,
  END,
  type LangGraphRunnableConfig,
  START,
  StateGraph,
} from "@langchain/langgraph";
import type { AgentACPDescriptor } from "../../src/models/index.js";
import type { ACPAgentOptions } from "../../src/server/index.js";

type Specs = AgentACPDescriptor["specs"];

const TalkState = Annotation.Root({
  text: Annotation<string>,
  reply: Annotation<string>,
  /** What the graph saw of the run's ask for LangGraph stream modes (null: nothing). */
  asked: Annotation<unknown>,
});

/** What a talker is built from. */
export interface TalkerOptions {
  /** Its name; its id is derived from it and version 1.0.0. */
  name: string;
  /** The chat model `talk` calls (asked again on each run). */
  model: () => BaseChatModel;
  /** Awaited by `talk` once the model has answered, before the run may end. */
  hold?: () => Promise<void>;
  /** Its `streamLangGraph` option. */
  streamLangGraph: boolean;
}

/** What a token agent is built from. */
export interface TokenAgentOptions extends TalkerOptions {
  /** Declares a custom update schema of its own and writes `{ own: "prep" }` from `prep`. */
  ownCustom?: boolean;
}

/** The schema of the custom updates a token agent with `ownCustom` writes itself. */
export const OWN_CUSTOM_SCHEMA = {
  type: "object",
  properties: { own: { type: "string" } },
  required: ["own"],
};

/** A descriptor of version 1.0.0 taking `{ text }`; `specs` replaces what it names. */
function descriptorOf(name: string, description: string, specs: Partial<Specs>) {
  const descriptor: AgentACPDescriptor = {
    metadata: { ref: { name, version: "1.0.0" }, description },
    specs: {
      capabilities: {
        threads: false,
        interrupts: false,
        callbacks: false,
        streaming: { values: true },
      },
      input: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      output: { type: "object" },
      config: { type: "object" },
      ...specs,
    },
  };
  return descriptor;
}

/** A graph whose one node, `talk`, asks the model for its reply to `text`. */
function talkGraph(options: TalkerOptions) {
  return new StateGraph(TalkState)
    .addNode("talk", async (state: typeof TalkState.State, config: LangGraphRunnableConfig) => {
      const message = await options.model().invoke([new HumanMessage(state.text)], config);
      await options.hold?.();
      return { reply: String(message.content) };
    })
    .addEdge(START, "talk")
    .addEdge("talk", END)
    .compile();
}

/** An agent whose one node, `talk`, calls the model; it declares no threads. */
export function talkerAgent(options: TalkerOptions): ACPAgentOptions {
  return {
    graph: talkGraph(options),
    descriptor: descriptorOf(options.name, "talks", {}),
    streamLangGraph: options.streamLangGraph,
  };
}

/** An agent whose subgraph's model streams; its config schema takes no key at all. */
export function tokenAgent(options: TokenAgentOptions): ACPAgentOptions {
  const graph = new StateGraph(TalkState)
    .addNode("prep", (_state: typeof TalkState.State, config: LangGraphRunnableConfig) => {
      if (options.ownCustom) config.writer?.({ own: "prep" });
      return { asked: config.configurable?.langgraph_stream_mode ?? null };
    })
    .addNode("inner", talkGraph(options))
    .addEdge(START, "prep")
    .addEdge("prep", "inner")
    .addEdge("inner", END)
    .compile();
  const streaming = options.ownCustom ? { values: true, custom: true } : { values: true };
  const descriptor = descriptorOf(options.name, "streams tokens", {
    capabilities: { threads: true, interrupts: false, callbacks: false, streaming },
    config: { type: "object", properties: {}, additionalProperties: false },
    ...(options.ownCustom ? { custom_streaming_update: OWN_CUSTOM_SCHEMA } : {}),
  });
  return { graph, descriptor, streamLangGraph: options.streamLangGraph };
}
