/**
 * A remote run's stream events, shaped as LangGraph shapes a local node's and a local
 * subgraph's: what the remote writer wrote on the parent's `custom` stream; the remote
 * graph's `values` and `updates` under the calling node's namespace (seen with
 * `subgraphs: true`); the remote model's tokens as LangChain message chunks of a chat
 * model run of the calling node, so the parent's `messages` stream and `streamEvents`
 * (`on_chat_model_stream`) carry them as they come.
 */

import { dispatchCustomEvent } from "@langchain/core/callbacks/dispatch";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { Serialized } from "@langchain/core/load/serializable";
import { AIMessageChunk, type BaseMessage, isBaseMessageChunk } from "@langchain/core/messages";
import { ChatGenerationChunk } from "@langchain/core/outputs";
import { getCallbackManagerForConfig } from "@langchain/core/runnables";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import {
  deserializeMessage,
  isLangGraphStreamUpdate,
  type LangGraphMessagesUpdate,
  type LangGraphStreamMode,
} from "../core/langgraph-stream.js";
import type { RunOutputStream } from "../models/index.js";
import {
  type ParentStream,
  parentShowsTokens,
  parentStreamOf,
  underStreamEvents,
} from "./parent-stream.js";

/** What ACPNode writes to the parent graph's custom stream for each remote event, with `customStream: "event"`. */
export interface ACPNodeStreamEvent {
  /** The node that forwarded the event. */
  node: string;
  /** The event as the remote server sent it. */
  event: RunOutputStream;
}

/**
 * What the parent's `custom` stream gets from a remote agent: `"update"` (the default)
 * what the remote writer wrote, as a local node's writer would; `"event"` every remote
 * event as it came, as an {@link ACPNodeStreamEvent}.
 */
export type ACPNodeCustomStream = "update" | "event";

/** The name of the `streamEvents` custom event that carries a remote custom update. */
export const ACP_CUSTOM_EVENT = "acp_custom_update";

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

/** Forwards the events of one node execution's remote runs to the parent graph. */
export class RemoteStreamForwarder {
  readonly #parent: ParentStream | undefined;
  readonly #namespace: string[];
  readonly #streamEvents: boolean;
  #open: OpenMessage | undefined;

  constructor(
    private readonly node: string,
    private readonly config: LangGraphRunnableConfig,
    private readonly customStream: ACPNodeCustomStream,
  ) {
    this.#parent = parentStreamOf(config);
    const ns = config.configurable?.checkpoint_ns;
    this.#namespace = typeof ns === "string" && ns !== "" ? ns.split("|") : [];
    this.#streamEvents = underStreamEvents(config);
  }

  /**
   * The LangGraph stream modes to ask the remote agent for: only what the parent's
   * stream shows (`messages` for `streamMode: "messages"` and `streamEvents`, `updates`
   * for `streamMode: "updates"`).
   */
  wanted(): LangGraphStreamMode[] {
    const modes: LangGraphStreamMode[] = [];
    if (this.#parent?.modes.has("messages") || parentShowsTokens(this.config)) {
      modes.push("messages");
    }
    if (this.#parent?.modes.has("updates")) modes.push("updates");
    return modes;
  }

  /** Hands one remote event to the parent. */
  async forward(event: RunOutputStream): Promise<void> {
    const data = event.data;
    if (this.customStream === "event") this.config.writer?.({ node: this.node, event });
    if (data.type === "values") {
      if (this.#parent?.modes.has("values"))
        this.#parent.push(this.#namespace, "values", data.values);
      return;
    }
    if (data.type !== "custom") return;
    const update = data.update;
    if (isLangGraphStreamUpdate(update)) {
      if (update.langgraph === "messages") await this.#message(update);
      else if (this.#parent?.modes.has("updates")) {
        this.#parent.push([...this.#namespace, ...update.namespace], "updates", update.data);
      }
      return;
    }
    if (this.customStream === "update") this.config.writer?.(update);
    if (this.#streamEvents) await dispatchCustomEvent(ACP_CUSTOM_EVENT, update, this.config);
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

  async #message(update: LangGraphMessagesUpdate): Promise<void> {
    const [serialized, metadata] = update.data;
    const message = deserializeMessage(serialized);
    if (this.#open === undefined || this.#open.id !== message.id) {
      await this.end();
      const manager = await getCallbackManagerForConfig(this.config);
      // What the remote side said of the message, beside the calling node's own metadata.
      manager?.addMetadata(
        { acp_remote_node: metadata.langgraph_node, acp_remote_namespace: update.namespace },
        false,
      );
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
        {
          chunk,
        },
      );
    }
  }
}

function textOf(message: BaseMessage | undefined): string {
  return typeof message?.content === "string" ? message.content : "";
}
