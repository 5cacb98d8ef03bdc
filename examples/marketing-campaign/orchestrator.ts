/**
 * The marketing-campaign orchestrator: a LangGraph.js graph that chats with a person
 * through the remote mailcomposer agent, has the final email checked by the remote
 * email_reviewer agent, and sends it through an API bridge. The I/O mapper joins the
 * agents, whose schemas differ.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import {
  Annotation,
  type BaseCheckpointSaver,
  END,
  MemorySaver,
  START,
  StateGraph,
} from "@langchain/langgraph";
import type { ApiClientConfigurationOptions } from "agntcy-acp";
import {
  ACPNode,
  APIBridgeAgentNode,
  addIoMappedConditionalEdge,
  addIoMappedEdge,
} from "agntcy-acp/langgraph";
import { type AUDIENCES, emailReviewerDescriptor } from "./agents/email-reviewer.js";
import { type ChatLine, mailcomposerDescriptor } from "./agents/mailcomposer.js";

/** Who reads the email: one of the reviewer's audiences. */
export type Audience = (typeof AUDIENCES)[number];

/** What the mailcomposer agent answers. */
export interface ComposerOutput {
  messages?: ChatLine[];
  is_completed?: boolean;
  final_email?: string | null;
}

/** What the email_reviewer agent answers. */
export interface ReviewerOutput {
  correct: boolean;
  corrected_email: string;
}

/** The state of one campaign conversation. */
export const CampaignState = Annotation.Root({
  /** The conversation with the person, both sides. */
  messages: Annotation<ChatLine[]>({ reducer: (all, next) => all.concat(next), default: () => [] }),
  target_audience: Annotation<Audience>(),
  recipient_email_address: Annotation<string>(),
  mailcomposer_state: Annotation<{ input?: unknown; output?: ComposerOutput }>(),
  email_reviewer_state: Annotation<{ input?: unknown; output?: ReviewerOutput }>(),
  sendgrid_state: Annotation<{ input?: { query: string }; output?: { result: string } }>(),
  /** The reviewed email, once it was sent. */
  final_email: Annotation<string | null>({ reducer: (_, next) => next, default: () => null }),
});

/** The campaign state as the graph holds it. */
export type CampaignStateValue = typeof CampaignState.State;

/** Where the campaign's remote pieces are. */
export interface CampaignEndpoints {
  /** The ACP server of both agents, with its key when it wants one. */
  acp: ApiClientConfigurationOptions;
  composerAgentId: string;
  reviewerAgentId: string;
  /** The API bridge (or its local stand-in) in front of the email service. */
  email: { hostname: string; serviceName: string; apiKey: string };
}

/** The node names of the campaign graph, for code that follows its progress. */
export const CAMPAIGN_NODES = {
  processInputs: "process_inputs",
  composer: "mailcomposer",
  answerUser: "answer_user",
  reviewer: "email_reviewer",
  sender: "sendgrid",
  prepareOutput: "prepare_output",
} as const;

function processInputs(state: CampaignStateValue) {
  const said = state.messages.findLast((m) => m.type === "human");
  if (!said) throw new Error("the campaign needs a message from the person to start a turn");
  return { mailcomposer_state: { input: { messages: [said] } } };
}

/** Hands the composer's latest draft back to the person: this turn ends here. */
function answerUser(state: CampaignStateValue) {
  const reply = state.mailcomposer_state.output?.messages?.findLast((m) => m.type !== "human");
  return { messages: reply ? [{ type: "assistant" as const, content: reply.content }] : [] };
}

function prepareOutput(state: CampaignStateValue) {
  const reviewed = state.email_reviewer_state.output;
  const sent = state.sendgrid_state.output?.result ?? "no answer from the email service";
  return {
    final_email: reviewed?.corrected_email ?? null,
    messages: [{ type: "assistant" as const, content: `The email was reviewed and sent. ${sent}` }],
  };
}

/** The builder of the campaign graph, for `compile()` with a checkpointer. */
export function buildCampaignGraph(endpoints: CampaignEndpoints, llm: BaseChatModel) {
  const composer = ACPNode.fromDescriptor({
    customStream: "event",
    name: CAMPAIGN_NODES.composer,
    descriptor: mailcomposerDescriptor,
    agentId: endpoints.composerAgentId,
    clientConfig: endpoints.acp,
    inputPath: "mailcomposer_state.input",
    outputPath: "mailcomposer_state.output",
    configPath: "mailcomposer",
    useThreads: true,
  });
  const reviewer = ACPNode.fromDescriptor({
    customStream: "event",
    name: CAMPAIGN_NODES.reviewer,
    descriptor: emailReviewerDescriptor,
    agentId: endpoints.reviewerAgentId,
    clientConfig: endpoints.acp,
    inputPath: "email_reviewer_state.input",
    outputPath: "email_reviewer_state.output",
  });
  const sender = new APIBridgeAgentNode({
    name: CAMPAIGN_NODES.sender,
    host: endpoints.email.hostname,
    serviceName: endpoints.email.serviceName,
    serviceApiKey: endpoints.email.apiKey,
    inputPath: "sendgrid_state.input",
    outputPath: "sendgrid_state.output",
    // Sending an email twice is worse than reporting a failure.
    retries: 0,
  });

  const builder = new StateGraph(CampaignState)
    .addNode(CAMPAIGN_NODES.processInputs, processInputs)
    .addNode(CAMPAIGN_NODES.composer, composer)
    .addNode(CAMPAIGN_NODES.answerUser, answerUser)
    .addNode(CAMPAIGN_NODES.reviewer, reviewer)
    .addNode(CAMPAIGN_NODES.sender, sender)
    .addNode(CAMPAIGN_NODES.prepareOutput, prepareOutput)
    .addEdge(START, CAMPAIGN_NODES.processInputs)
    .addEdge(CAMPAIGN_NODES.processInputs, CAMPAIGN_NODES.composer)
    .addEdge(CAMPAIGN_NODES.answerUser, END)
    .addEdge(CAMPAIGN_NODES.sender, CAMPAIGN_NODES.prepareOutput)
    .addEdge(CAMPAIGN_NODES.prepareOutput, END);

  addIoMappedConditionalEdge(
    builder,
    composer,
    (state: CampaignStateValue) =>
      state.mailcomposer_state.output?.final_email ? "review" : "ask_user",
    {
      review: {
        end: reviewer,
        metadata: {
          inputFields: [
            "mailcomposer_state.output.final_email",
            { jsonPath: "target_audience", description: "Who will read the email." },
          ],
          outputDescriptionPrompt:
            "The email to review is the composer's final email, unchanged; the audience is the target audience.",
        },
      },
      ask_user: { end: CAMPAIGN_NODES.answerUser, metadata: null },
    },
    llm,
  );
  addIoMappedEdge(
    builder,
    reviewer,
    sender,
    {
      inputFields: [
        "email_reviewer_state.output.corrected_email",
        { jsonPath: "recipient_email_address", description: "Where to send the email." },
      ],
      outputDescriptionPrompt:
        "Write one request in plain English asking the email service to send the corrected email " +
        "to the recipient address: name the address first, then the subject and the body, unchanged.",
    },
    llm,
  );
  return builder;
}

/** The compiled campaign graph; the checkpointer keeps the conversation across turns. */
export function compileCampaignGraph(
  endpoints: CampaignEndpoints,
  llm: BaseChatModel,
  checkpointer: BaseCheckpointSaver = new MemorySaver(),
) {
  return buildCampaignGraph(endpoints, llm).compile({ checkpointer });
}
