/**
 * A remote model's reply, as it streams, handed to the parent graph as a chat model run
 * of the calling node: LangGraph's `messages` stream and `streamEvents`
 * (`on_chat_model_stream`) read tokens from the callbacks of such runs, so the remote
 * tokens appear there as a local model's would, attributed to the node.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { Serialized } from "@langchain/core/load/serializable";
import { AIMessageChunk, type BaseMessage, isBaseMessageChunk } from "@langchain/core/messages";
import { ChatGenerationChunk } from "@langchain/core/outputs";
import { getCallbackManagerForConfig } from "@langchain/core/runnables";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";

/** The serialised identity of the chat model run that stands for the remote model. */
const REMOTE_MODEL: Serialized = {
  lc: 1,
  type: "not_implemented",
  id: ["agntcy_acp", "RemoteChatModel"],
};

/** One remote message being streamed, as a chat model run of the calling node. */
interface OpenMessage {
  id: string | undefined;
  run: CallbackManagerForLLMRun | undefined;
  chunks: BaseMessage[];
}

/** The remote messages of one node execution, one chat model run per message id. */
export class RemoteModelTokens {
  #open: OpenMessage | undefined;

  constructor(
    private readonly node: string,
    private readonly config: LangGraphRunnableConfig,
  ) {}

  /**
   * Hands one piece of a remote message to the parent: a message with a new id starts
   * a chat model run (ending the one before), whose metadata gets `remote` beside the
   * calling node's own; a chunk is a token of that run.
   */
  async push(message: BaseMessage, remote: Record<string, unknown>): Promise<void> {
    if (this.#open === undefined || this.#open.id !== message.id) {
      await this.end();
      const manager = await getCallbackManagerForConfig(this.config);
      manager?.addMetadata(remote, false);
      const [run] =
        (await manager?.handleChatModelStart(
          REMOTE_MODEL,
          [[]],
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          `${this.node} (remote model)`,
        )) ?? [];
      this.#open = { id: message.id, run, chunks: [] };
    }
    this.#open.chunks.push(message);
    // A whole message (a model that did not stream) is handed over when the run ends.
    if (message instanceof AIMessageChunk) {
      const text = textOf(message);
      const chunk = new ChatGenerationChunk({ text, message });
      await this.#open.run?.handleLLMNewToken(
        text,
        { prompt: 0, completion: 0 },
        undefined,
        undefined,
        undefined,
        { chunk },
      );
    }
  }

  /** Ends the chat model run of the message being streamed, if any. */
  async end(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    if (!open?.run) return;
    const message = open.chunks.reduce(
      (all: BaseMessage | undefined, chunk) =>
        all && isBaseMessageChunk(all) && isBaseMessageChunk(chunk) ? all.concat(chunk) : chunk,
      undefined,
    );
    await open.run.handleLLMEnd({
      generations: [[{ text: textOf(message), ...(message ? { message } : {}) } as never]],
    });
  }
}

function textOf(message: BaseMessage | undefined): string {
  return typeof message?.content === "string" ? message.content : "";
}
