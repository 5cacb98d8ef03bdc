import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { z } from "zod";
import type { AgentACPDescriptor } from "../../models/index.js";
import type { StateRecord } from "../state-paths.js";

/** A JSON Schema document as plain data (draft-07 or 2020-12 keywords). */
export type JsonSchema = Record<string, unknown>;

/** A field with extra guidance for the model: where it is, what it means, sample values. */
export interface FieldMetadata {
  /** Dot path (`a.b.0.c`) or simple JSONPath (`$.a.b[0].c`) into the graph state. */
  jsonPath: string;
  /** What the field means; shown to the model inside the reduced schema. */
  description?: string;
  /** Example values; shown to the model inside the reduced schema. */
  examples?: unknown[];
}

/** A state field named by its dot path, or described by {@link FieldMetadata}. */
export type FieldSpec = string | FieldMetadata;

/** Computes one output value from the mapper's input data (and the whole state if needed). */
export type FieldMappingFunction = (input: StateRecord, state: StateRecord) => unknown;

/**
 * How one output path gets its value without a model: a JSONPath evaluated against the
 * input data, a function, or a constant.
 */
export type FieldMappingRule = string | FieldMappingFunction | { value: unknown };

/** Output dot path -> the rule that fills it. */
export type FieldMapping = Record<string, FieldMappingRule>;

/**
 * `llm` asks a model for the data each time; `imperative` applies `fieldMapping` with no
 * model; `compiled` asks a model once for a `fieldMapping` and reuses it.
 */
export type IOMapperMode = "llm" | "imperative" | "compiled";

/** What an {@link IOMappingAgent} maps, from where to where, and how. */
export interface IOMappingAgentMetadata {
  /** State fields the mapping reads; at least one. */
  inputFields: FieldSpec[];
  /** State fields the mapping writes; at least one. */
  outputFields: FieldSpec[];
  /** JSON Schema of the graph state the input fields are read from. */
  inputSchema?: JsonSchema;
  /** JSON Schema of the graph state the output fields are written to. */
  outputSchema?: JsonSchema;
  /** Plain-language instructions on how to fill the output. */
  outputDescriptionPrompt?: string;
  /** Rules for `imperative` mode: output path -> JSONPath, function or constant. */
  fieldMapping?: FieldMapping;
  /** How to map; `imperative` when `fieldMapping` is given, `llm` otherwise. */
  mode?: IOMapperMode;
  /** Replaces the default system prompt; see `renderPrompt` for its placeholders. */
  systemPromptTemplate?: string;
  /** Replaces the default user prompt; see `renderPrompt` for its placeholders. */
  userPromptTemplate?: string;
}

/** Where warnings about fallbacks go; `console` fits. */
export interface IOMapperLogger {
  /** Receives one warning line. */
  warn(message: string): void;
}

/** A deterministic mapping the model wrote, stored under the hash of its two schemas. */
export interface CompiledMapping {
  /** Output dot path -> JSONPath string, or `{ value }` for a constant. */
  fieldMapping: Record<string, string | { value: unknown }>;
  /** When the mapping was accepted (ISO 8601). */
  createdAt: string;
}

/** Persistence for compiled mappings, so a mapping survives the process that wrote it. */
export interface MappingStore {
  /** The mapping stored under `key`, if any. */
  get(key: string): Promise<CompiledMapping | undefined> | CompiledMapping | undefined;
  /** Stores `mapping` under `key`, replacing what was there. */
  put(key: string, mapping: CompiledMapping): Promise<void> | void;
}

/** Whether to use the model's structured-output (JSON) mode: `auto` detects it. */
export type StructuredOutputPreference = "auto" | boolean;

/** Everything an {@link IOMappingAgent} needs besides its metadata. */
export interface IOMappingAgentOptions {
  metadata: IOMappingAgentMetadata;
  /** The chat model; `config.configurable.llm` at run time is used when absent. */
  llm?: BaseChatModel;
  /** Names the mapper in errors and logs. */
  name?: string;
  /** Where compiled mappings persist besides memory. */
  store?: MappingStore;
  /** Receives fallback warnings; `console` by default. */
  logger?: IOMapperLogger;
  /** Use the model's JSON mode when it has one (`auto`), always (`true`) or never. */
  structuredOutput?: StructuredOutputPreference;
}

/**
 * The parts of a graph node the mapper reads to fill its defaults. A remote-agent node
 * (ACPNode) matches it; so does anything with the same members.
 */
export interface IOMappableNode {
  /** The node's name in the graph. */
  getName(): string;
  /** Dot path in the state where the node reads its input. */
  inputPath: string;
  /** Dot path in the state where the node writes its output. */
  outputPath: string;
  inputType?: z.ZodType;
  outputType?: z.ZodType;
  descriptor?: AgentACPDescriptor;
}
