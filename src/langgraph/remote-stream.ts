/**
 * A remote run's stream events, shaped as LangGraph shapes a local node's and a local
 * subgraph's: what the remote writer wrote on the parent's `custom` stream; the remote
 * graph's `values` and `updates` under the calling node's namespace (seen with
 * `subgraphs: true`); the remote model's tokens as LangChain message chunks of a chat
 * model run of the calling node, so the parent's `messages` stream and `streamEvents`
 * (`on_chat_model_stream`) carry them as they come.
 */

import { dispatchCustomEvent } from "@langchain/core/callbacks/dispatch";
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
import { RemoteModelTokens } from "./remote-tokens.js";

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

/** Forwards the events of one node execution's remote runs to the parent graph. */
export class RemoteStreamForwarder {
  readonly #parent: ParentStream | undefined;
  readonly #namespace: string[];
  readonly #streamEvents: boolean;
  readonly #tokens: RemoteModelTokens;

  constructor(
    private readonly node: string,
    private readonly config: LangGraphRunnableConfig,
    private readonly customStream: ACPNodeCustomStream,
  ) {
    this.#parent = parentStreamOf(config);
    const ns = config.configurable?.checkpoint_ns;
    this.#namespace = typeof ns === "string" && ns !== "" ? ns.split("|") : [];
    this.#streamEvents = underStreamEvents(config);
    this.#tokens = new RemoteModelTokens(node, config);
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
  end(): Promise<void> {
    return this.#tokens.end();
  }

  #message(update: LangGraphMessagesUpdate): Promise<void> {
    const [serialized, metadata] = update.data;
    // What the remote side said of the message, beside the calling node's own metadata.
    return this.#tokens.push(deserializeMessage(serialized), {
      acp_remote_node: metadata.langgraph_node,
      acp_remote_namespace: update.namespace,
    });
  }
}
