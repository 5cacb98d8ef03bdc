/**
 * A scripted, offline chat model: it answers from rules instead of a network
 * service, so the examples run on a machine with no model at hand. It is a real
 * LangChain chat model, so everything that calls it takes the same code path a
 * hosted model would.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";

/** One rule: when `when` holds for the conversation, `reply` writes the answer. */
export interface ScriptRule {
  name: string;
  when(messages: readonly BaseMessage[]): boolean;
  reply(messages: readonly BaseMessage[]): string;
}

/** A chat model that answers by the first rule that matches, and counts its calls. */
export class ScriptedChatModel extends BaseChatModel {
  /** How many times the model was called, by rule name. */
  readonly calls = new Map<string, number>();

  constructor(private readonly rules: readonly ScriptRule[]) {
    super({});
  }

  _llmType(): string {
    return "scripted-offline";
  }

  async _generate(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const text = this.answer(messages);
    return { generations: [{ text, message: new AIMessage(text) }] };
  }

  /**
   * Streams the answer a word at a time, as a hosted model streams its tokens; LangChain
   * uses this when the caller streams (a graph streamed with `messages`, `streamEvents`).
   */
  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    for (const piece of this.answer(messages).match(/\s*\S+|\s+$/g) ?? []) {
      const chunk = new ChatGenerationChunk({ text: piece, message: new AIMessageChunk(piece) });
      yield chunk;
      await runManager?.handleLLMNewToken(piece, undefined, undefined, undefined, undefined, {
        chunk,
      });
    }
  }

  /** The answer of the first rule that matches, counted. */
  private answer(messages: readonly BaseMessage[]): string {
    const rule = this.rules.find((r) => r.when(messages));
    if (!rule) {
      const last = messages.at(-1)?.text ?? "";
      throw new Error(`the scripted model has no answer for: ${last.slice(0, 120)}`);
    }
    this.calls.set(rule.name, (this.calls.get(rule.name) ?? 0) + 1);
    return rule.reply(messages);
  }
}

/** The text of the system message of a conversation, or "". */
export function systemText(messages: readonly BaseMessage[]): string {
  return messages.find((m) => m.getType() === "system")?.text ?? "";
}
