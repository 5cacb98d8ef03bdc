/**
 * The echo agent: answers every message with the same text, keeps the conversation on
 * its thread, and can hold a run open until it is cancelled, to show cancellation.
 */
import { Annotation, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";
import type { AgentACPDescriptor } from "agntcy-acp";

/** One message, as the echo agent's input and output carry it. */
export interface EchoMessage {
  type: "human" | "ai";
  content: string;
}

const EchoState = Annotation.Root({
  messages: Annotation<EchoMessage[]>({
    reducer: (all, next) => all.concat(next),
    default: () => [],
  }),
  hold: Annotation<boolean>({ reducer: (_, next) => next, default: () => false }),
});

const messageSchema = {
  type: "object",
  properties: { type: { type: "string", enum: ["human", "ai"] }, content: { type: "string" } },
  required: ["type", "content"],
};

/** The ACP descriptor of the echo agent. */
export const echoDescriptor: AgentACPDescriptor = {
  metadata: {
    ref: { name: "org.example.echo", version: "1.0.0" },
    description: "Echoes every message back; keeps the conversation on a thread.",
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
        messages: { type: "array", items: messageSchema },
        hold: { type: "boolean", description: "Keep the run open until it is cancelled." },
      },
      required: ["messages"],
    },
    output: {
      type: "object",
      properties: { messages: { type: "array", items: messageSchema } },
    },
    config: { type: "object", properties: {} },
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

/** Waits for the run's signal; the run then ends as cancelled. */
function untilCancelled(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    const stop = () => reject(new Error("cancelled"));
    if (signal?.aborted) stop();
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/** Builds the compiled echo graph. */
export function buildEchoGraph() {
  return new StateGraph(EchoState)
    .addNode("echo", async (state: typeof EchoState.State, config: LangGraphRunnableConfig) => {
      const said = state.messages.findLast((m) => m.type === "human")?.content ?? "";
      config.writer?.({ step: `echoing ${said.length} characters` });
      if (state.hold) {
        config.writer?.({ step: "holding until cancelled" });
        await untilCancelled(config.signal);
      }
      return { messages: [{ type: "ai" as const, content: `Echo: ${said}` }], hold: false };
    })
    .addEdge(START, "echo")
    .compile();
}
