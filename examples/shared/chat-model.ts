/**
 * Which chat model the examples use: a hosted one when `OPENAI_API_KEY` is set, the
 * scripted offline one otherwise. Both are LangChain chat models, so every agent and
 * mapper calls them the same way.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI } from "@langchain/openai";
import type { ScriptedChatModel } from "./scripted-model.js";

/** The model used when `OPENAI_MODEL` is not set. */
export const DEFAULT_OPENAI_MODEL = "gpt-4o-mini";

/** The chosen model and a line that says which one it is. */
export interface ChosenChatModel {
  llm: BaseChatModel;
  /** Set when the scripted offline model was chosen, to read its call counts. */
  scripted: ScriptedChatModel | undefined;
  description: string;
}

/**
 * `ChatOpenAI` (with `OPENAI_BASE_URL` and `OPENAI_MODEL` when set) if there is an
 * `OPENAI_API_KEY`, else the scripted model `offline()` builds.
 */
export function chooseChatModel(
  offline: () => ScriptedChatModel,
  env: NodeJS.ProcessEnv = process.env,
): ChosenChatModel {
  if (!env.OPENAI_API_KEY) {
    const scripted = offline();
    return {
      llm: scripted,
      scripted,
      description:
        "LLM: the scripted offline model (rules written for this example, no network); set OPENAI_API_KEY to use a real model",
    };
  }
  const model = env.OPENAI_MODEL || DEFAULT_OPENAI_MODEL;
  const baseURL = env.OPENAI_BASE_URL || undefined;
  return {
    llm: new ChatOpenAI({
      model,
      apiKey: env.OPENAI_API_KEY,
      configuration: { baseURL },
      // A wrong address or key should end the example soon, not after a long backoff.
      maxRetries: 2,
    }),
    scripted: undefined,
    description: `LLM: OpenAI-compatible model ${model}${baseURL ? ` at ${baseURL}` : ""}`,
  };
}
