/**
 * The mailcomposer agent: chats with a person to draft a marketing email and,
 * when told "OK", hands back the final email.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { Annotation, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";
import type { AgentACPDescriptor } from "agntcy-acp";

/** One line of the conversation, as the agent's input and output carry it. */
export interface ChatLine {
  type: "human" | "assistant" | "ai";
  content: string;
}

const ComposerState = Annotation.Root({
  // New lines are added to the thread's conversation, so a caller sends only what is new.
  messages: Annotation<ChatLine[]>({
    reducer: (all, next) => all.concat(next),
    default: () => [],
  }),
  is_completed: Annotation<boolean>({ reducer: (_, next) => next, default: () => false }),
  final_email: Annotation<string | null>({ reducer: (_, next) => next, default: () => null }),
});

/** The system prompt that makes a chat model a marketing email composer. */
export const COMPOSER_PROMPT =
  "You are a marketing email composer. Write, or revise, a short marketing email from " +
  "the person's requests. Reply with the email only: a Subject line, a blank line, then the body.";

const messageSchema = {
  type: "object",
  properties: {
    type: { type: "string", enum: ["human", "assistant", "ai"] },
    content: { type: "string" },
  },
  required: ["type", "content"],
};

/** The ACP descriptor of the mailcomposer agent. */
export const mailcomposerDescriptor: AgentACPDescriptor = {
  metadata: {
    ref: { name: "org.agntcy.mailcomposer", version: "0.1.0" },
    description:
      "Chats with a person to compose a marketing email; when told OK, returns the final email.",
  },
  specs: {
    capabilities: {
      threads: true,
      interrupts: false,
      callbacks: false,
      streaming: { values: true, custom: true },
    },
    input: {
      type: "object",
      properties: {
        messages: {
          type: "array",
          items: messageSchema,
          description: "The new lines of the conversation; the thread keeps the earlier ones.",
        },
        is_completed: { type: "boolean" },
      },
      required: ["messages"],
    },
    output: {
      type: "object",
      properties: {
        messages: { type: "array", items: messageSchema },
        is_completed: { type: "boolean" },
        final_email: {
          anyOf: [{ type: "string" }, { type: "null" }],
          description: "The final email, once the person has said OK; null until then.",
        },
      },
    },
    config: {
      type: "object",
      properties: { tone: { type: "string", description: "The tone the email should take." } },
    },
    thread_state: {
      type: "object",
      properties: { messages: { type: "array", items: messageSchema } },
    },
    custom_streaming_update: {
      type: "object",
      properties: { step: { type: "string" } },
      required: ["step"],
    },
  },
};

const isApproval = (line: ChatLine | undefined) =>
  line?.type === "human" && /^\s*ok\.?\s*$/i.test(line.content);

/** Builds the mailcomposer graph around any chat model, compiled and ready to serve. */
export function buildMailcomposerGraph(llm: BaseChatModel) {
  async function compose(state: typeof ComposerState.State, config: LangGraphRunnableConfig) {
    const last = state.messages.at(-1);
    const lastDraft = state.messages.findLast((m) => m.type !== "human");
    if (isApproval(last) && lastDraft) {
      config.writer?.({ step: "final email ready" });
      return {
        messages: [{ type: "assistant" as const, content: lastDraft.content }],
        is_completed: true,
        final_email: lastDraft.content,
      };
    }
    config.writer?.({ step: "drafting" });
    const tone = (config.configurable?.tone as string | undefined) ?? "friendly";
    const reply = await llm.invoke(
      [
        new SystemMessage(`${COMPOSER_PROMPT} Use a ${tone} tone.`),
        ...state.messages.map((m) =>
          m.type === "human" ? new HumanMessage(m.content) : new AIMessage(m.content),
        ),
      ],
      { signal: config.signal },
    );
    config.writer?.({ step: "draft ready" });
    return {
      messages: [{ type: "assistant" as const, content: reply.text }],
      is_completed: false,
      final_email: null,
    };
  }
  return new StateGraph(ComposerState)
    .addNode("compose", compose)
    .addEdge(START, "compose")
    .compile();
}
