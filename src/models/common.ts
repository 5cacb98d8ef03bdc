import { z } from "zod";

/** A JSON object whose keys the protocol does not fix. */
export const JsonObject = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObject>;

/**
 * The value shapes the protocol allows wherever an agent-defined schema applies
 * (input, output, config, thread state, interrupt and resume payloads):
 * an object, a string, a number, a boolean or an array.
 */
function agentValue(what: string) {
  return z
    .union([JsonObject, z.string(), z.number(), z.boolean(), z.array(z.unknown())])
    .describe(what);
}

/** The agent's input, shaped by `specs.input` of its descriptor. */
export const InputSchema = agentValue("agent input");
export type InputSchema = z.infer<typeof InputSchema>;
/** The agent's output, shaped by `specs.output` of its descriptor. */
export const OutputSchema = agentValue("agent output");
export type OutputSchema = z.infer<typeof OutputSchema>;
/** The agent's configuration, shaped by `specs.config` of its descriptor. */
export const ConfigSchema = agentValue("agent config");
export type ConfigSchema = z.infer<typeof ConfigSchema>;
/** A thread's state, shaped by `specs.thread_state` of its descriptor. */
export const ThreadStateSchema = agentValue("thread state");
export type ThreadStateSchema = z.infer<typeof ThreadStateSchema>;
/** The payload of an interrupt, shaped by the descriptor's `interrupt_payload`. */
export const InterruptPayloadSchema = agentValue("interrupt payload");
export type InterruptPayloadSchema = z.infer<typeof InterruptPayloadSchema>;
/** The payload that resumes an interrupted run, shaped by the descriptor's `resume_payload`. */
export const ResumePayloadSchema = agentValue("resume payload");
export type ResumePayloadSchema = z.infer<typeof ResumePayloadSchema>;
/** A custom streaming update, shaped by the descriptor's `custom_streaming_update`. */
export const StreamUpdateSchema = JsonObject;
export type StreamUpdateSchema = z.infer<typeof StreamUpdateSchema>;

/** The body of an error answer: a plain message. */
export const ErrorResponse = z.string();
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** A block of message content that is text. */
export const MessageTextBlock = z.looseObject({
  text: z.string(),
  type: z.literal("text"),
  metadata: JsonObject.optional(),
});
export type MessageTextBlock = z.infer<typeof MessageTextBlock>;

/** A block of message content of any other type. */
export const MessageAnyBlock = z.looseObject({
  type: z.string(),
  metadata: JsonObject.optional(),
});
export type MessageAnyBlock = z.infer<typeof MessageAnyBlock>;

/** A chat message exchanged with an agent. */
export const Message = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(z.union([MessageTextBlock, MessageAnyBlock]))]),
  id: z.string().optional(),
  metadata: JsonObject.optional(),
});
export type Message = z.infer<typeof Message>;

/** A streaming mode an agent may support. */
export const StreamingMode = z.enum(["values", "custom"]);
export type StreamingMode = z.infer<typeof StreamingMode>;

/** The status of a run. */
export const RunStatus = z.enum(["pending", "error", "success", "timeout", "interrupted"]);
export type RunStatus = z.infer<typeof RunStatus>;

/** The status of a thread. */
export const ThreadStatus = z.enum(["idle", "busy", "interrupted", "error"]);
export type ThreadStatus = z.infer<typeof ThreadStatus>;
