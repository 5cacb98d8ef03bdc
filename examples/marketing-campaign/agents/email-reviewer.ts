/**
 * The email_reviewer agent: reviews an email for a target audience and returns
 * a verdict and a corrected version.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { Annotation, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";
import type { AgentACPDescriptor } from "agntcy-acp";
import { extractJson } from "agntcy-acp/langgraph";

/** The audiences the reviewer knows how to write for. */
export const AUDIENCES = ["general", "technical", "business", "academic"] as const;

const ReviewerState = Annotation.Root({
  email: Annotation<string>(),
  audience: Annotation<(typeof AUDIENCES)[number]>(),
  correct: Annotation<boolean>(),
  corrected_email: Annotation<string>(),
});

/** The system prompt that makes a chat model an email reviewer. */
export const REVIEWER_PROMPT =
  "You are an email reviewer. Check the email for spelling, grammar and fitness for the " +
  'given audience. Reply with JSON only: {"correct": boolean, "corrected_email": string}, ' +
  "where corrected_email is the email with your corrections (the same email when it is correct).";

/** The ACP descriptor of the email_reviewer agent. */
export const emailReviewerDescriptor: AgentACPDescriptor = {
  metadata: {
    ref: { name: "org.agntcy.email_reviewer", version: "0.1.0" },
    description: "Reviews and corrects emails addressed to a specific audience.",
  },
  specs: {
    capabilities: {
      threads: false,
      interrupts: false,
      callbacks: false,
      streaming: { values: true },
    },
    input: {
      type: "object",
      properties: {
        email: { type: "string", description: "The email to review." },
        audience: { type: "string", enum: [...AUDIENCES], description: "Who will read it." },
      },
      required: ["email", "audience"],
    },
    output: {
      type: "object",
      properties: {
        correct: { type: "boolean", description: "True when the email needed no correction." },
        corrected_email: { type: "string", description: "The email with corrections applied." },
      },
      required: ["correct", "corrected_email"],
    },
    config: { type: "object", properties: {} },
  },
};

/** Builds the email_reviewer graph around any chat model, compiled and ready to serve. */
export function buildEmailReviewerGraph(llm: BaseChatModel) {
  async function review(state: typeof ReviewerState.State, config: LangGraphRunnableConfig) {
    const reply = await llm.invoke(
      [
        new SystemMessage(REVIEWER_PROMPT),
        new HumanMessage(`Audience: ${state.audience}\n\nEmail:\n${state.email}`),
      ],
      { signal: config.signal },
    );
    const verdict = (extractJson(reply.text) ?? {}) as {
      correct?: unknown;
      corrected_email?: unknown;
    };
    return {
      correct: verdict.correct === true,
      corrected_email:
        typeof verdict.corrected_email === "string" ? verdict.corrected_email : state.email,
    };
  }
  return new StateGraph(ReviewerState).addNode("review", review).addEdge(START, "review").compile();
}
