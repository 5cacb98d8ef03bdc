import { createHash } from "node:crypto";
import { isRecord } from "../core/json-guards.js";
import { langGraphStreamUpdateSchema } from "../core/langgraph-stream.js";
import type { AgentACPDescriptor } from "../models/index.js";

/** The namespace of agent ids derived from a name and a version (a UUID v5 namespace). */
const AGENT_ID_NAMESPACE = "6f3c1d2e-8b4a-4f7e-9c1d-2a5b7e9f0c3d";

/**
 * A stable agent id: the UUID v5 of `name:version`, so the same agent keeps its id
 * across restarts and across servers without anyone having to choose one.
 */
export function deriveAgentId(name: string, version: string): string {
  const ns = Buffer.from(AGENT_ID_NAMESPACE.replaceAll("-", ""), "hex");
  const hash = createHash("sha1").update(ns).update(`${name}:${version}`, "utf8").digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The descriptor of an agent whose runs may ask for LangGraph's stream modes: it
 * streams custom events, whose schema is the envelope's, or any of it and the agent's
 * own custom update schema when it declares one.
 */
export function withLangGraphStreaming(descriptor: AgentACPDescriptor): AgentACPDescriptor {
  const { specs } = descriptor;
  const own = specs.custom_streaming_update;
  const declaresOwn =
    specs.capabilities.streaming?.custom === true &&
    own !== undefined &&
    !(isRecord(own) && Object.keys(own).length === 0);
  return {
    ...descriptor,
    specs: {
      ...specs,
      capabilities: {
        ...specs.capabilities,
        streaming: { ...specs.capabilities.streaming, custom: true },
      },
      custom_streaming_update: declaresOwn
        ? { anyOf: [langGraphStreamUpdateSchema, own] }
        : own !== undefined && specs.capabilities.streaming?.custom === true
          ? own
          : langGraphStreamUpdateSchema,
    },
  };
}
