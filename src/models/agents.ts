import { z } from "zod";
import { JsonObject } from "./common.js";

/** Reference to an agent: its name, version and where it comes from. */
export const AgentRef = z.looseObject({
  name: z.string(),
  version: z.string(),
  url: z.string().optional(),
});
export type AgentRef = z.infer<typeof AgentRef>;

/** Basic information about an agent. */
export const AgentMetadata = z.looseObject({
  ref: AgentRef,
  description: z.string(),
});
export type AgentMetadata = z.infer<typeof AgentMetadata>;

/** An agent a server offers. */
export const Agent = z.looseObject({
  agent_id: z.string(),
  metadata: AgentMetadata,
});
export type Agent = z.infer<typeof Agent>;

/** The streaming modes an agent supports. */
export const StreamingModes = z.looseObject({
  values: z.boolean().optional(),
  custom: z.boolean().optional(),
});
export type StreamingModes = z.infer<typeof StreamingModes>;

/** What an agent can do. A missing capability means it is not supported. */
export const AgentCapabilities = z.looseObject({
  threads: z.boolean().optional(),
  interrupts: z.boolean().optional(),
  callbacks: z.boolean().optional(),
  streaming: StreamingModes.optional(),
});
export type AgentCapabilities = z.infer<typeof AgentCapabilities>;

/** One kind of interrupt an agent may raise, with its payload and resume schemas. */
export const AgentInterrupt = z.looseObject({
  interrupt_type: z.string(),
  interrupt_payload: JsonObject,
  resume_payload: JsonObject,
});
export type AgentInterrupt = z.infer<typeof AgentInterrupt>;

/** The specification of an agent: capabilities and JSON Schemas of its data. */
export const AgentACPSpec = z.looseObject({
  capabilities: AgentCapabilities,
  input: JsonObject,
  output: JsonObject,
  custom_streaming_update: JsonObject.optional(),
  thread_state: JsonObject.optional(),
  config: JsonObject,
  interrupts: z.array(AgentInterrupt).optional(),
});
export type AgentACPSpec = z.infer<typeof AgentACPSpec>;

/** The ACP descriptor of an agent. */
export const AgentACPDescriptor = z.looseObject({
  metadata: AgentMetadata,
  specs: AgentACPSpec,
});
export type AgentACPDescriptor = z.infer<typeof AgentACPDescriptor>;

/** The body of `searchAgents`. */
export const AgentSearchRequest = z.looseObject({
  name: z.string().optional(),
  version: z.string().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  offset: z.number().int().min(0).optional(),
});
export type AgentSearchRequest = z.infer<typeof AgentSearchRequest>;
