import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  getStatePath,
  hasStatePath,
  mergeStateUpdates,
  type StateRecord,
  setStatePath,
} from "../state-paths.js";
import {
  formatViolations,
  IOMapperConfigError,
  IOMapperError,
  IOMapperMissingLLMError,
  IOMapperValidationError,
  type SchemaViolation,
} from "./errors.js";
import {
  applyFieldMapping,
  checkFieldMapping,
  FieldMappingFailure,
  type MappingResult,
} from "./field-mapping.js";
import { type NormalizedField, normalizeFields } from "./fields.js";
import { type ChatTurn, requestValidJson } from "./llm-call.js";
import { InMemoryMappingStore, mappingKey } from "./mapping-store.js";
import {
  DEFAULT_COMPILE_SYSTEM_PROMPT,
  DEFAULT_COMPILE_USER_PROMPT,
  DEFAULT_SYSTEM_PROMPT,
  DEFAULT_USER_PROMPT,
  promptVariables,
  renderPrompt,
} from "./prompts.js";
import { reduceSchema } from "./schema-reduce.js";
import { isSchemaObject } from "./schema-refs.js";
import type {
  CompiledMapping,
  IOMapperLogger,
  IOMapperMode,
  IOMappingAgentMetadata,
  IOMappingAgentOptions,
  JsonSchema,
  MappingStore,
  StructuredOutputPreference,
} from "./types.js";
import { schemaViolations } from "./validate.js";

const MODES: readonly IOMapperMode[] = ["llm", "imperative", "compiled"];

/** The reply the model must give in compiled mode. */
const COMPILE_REPLY_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    fieldMapping: {
      type: "object",
      additionalProperties: {
        anyOf: [
          { type: "string" },
          { type: "object", properties: { value: {} }, required: ["value"] },
        ],
      },
    },
  },
  required: ["fieldMapping"],
};

/** The result of running a mapping: the output, or why it cannot be used. */
type Attempt = { ok: true; output: StateRecord } | { ok: false; violations: SchemaViolation[] };

/**
 * Translates one agent's output into the next agent's input inside a graph. It reads its
 * input fields from the state, produces its output fields (with a model, with a
 * `fieldMapping`, or with a mapping a model wrote once) and returns them as a state update.
 */
export class IOMappingAgent {
  /** The metadata the mapper was built from. */
  readonly metadata: IOMappingAgentMetadata;
  /** Names the mapper in errors and logs (the graph node name when added by an edge). */
  readonly name: string;
  /** How {@link node} maps. */
  readonly mode: IOMapperMode;
  /** The input schema cut down to the input fields, as the model sees it. */
  readonly reducedInputSchema: JsonSchema;
  /** The output schema cut down to the output fields; every mapped output must follow it. */
  readonly reducedOutputSchema: JsonSchema;

  private readonly llm: BaseChatModel | undefined;
  private readonly inputs: NormalizedField[];
  private readonly outputs: NormalizedField[];
  private readonly store: MappingStore | undefined;
  private readonly memory = new InMemoryMappingStore();
  private readonly logger: IOMapperLogger;
  private readonly structuredOutput: StructuredOutputPreference;
  private readonly compiling = new Map<string, Promise<CompiledMapping | undefined>>();
  /** Keys the model could not write a mapping for; they go to the model, not to another compile. */
  private readonly uncompilable = new Set<string>();
  private keyPromise: Promise<string> | undefined;

  constructor(options: IOMappingAgentOptions) {
    if (!isSchemaObject(options) || !isSchemaObject(options.metadata)) {
      throw new IOMapperConfigError("IOMappingAgent needs { metadata }");
    }
    const { metadata } = options;
    this.metadata = metadata;
    this.name = options.name ?? "io_mapper";
    this.llm = options.llm;
    this.store = options.store;
    this.logger = options.logger ?? console;
    this.structuredOutput = options.structuredOutput ?? "auto";
    try {
      this.inputs = normalizeFields(metadata.inputFields, "inputFields");
      this.outputs = normalizeFields(metadata.outputFields, "outputFields");
      this.mode = metadata.mode ?? (metadata.fieldMapping ? "imperative" : "llm");
      this.checkMetadata();
      this.reducedInputSchema = reduceSchema(metadata.inputSchema, metadata.inputFields, {
        requireFields: false,
        listName: "inputFields",
      });
      this.reducedOutputSchema = reduceSchema(metadata.outputSchema, metadata.outputFields, {
        requireFields: true,
        listName: "outputFields",
      });
    } catch (error) {
      if (error instanceof IOMapperConfigError && options.name) {
        throw new IOMapperConfigError(error.detail, { mapperName: options.name, cause: error });
      }
      throw error;
    }
  }

  private checkMetadata(): void {
    const { metadata } = this;
    for (const [key, schema] of [
      ["inputSchema", metadata.inputSchema],
      ["outputSchema", metadata.outputSchema],
    ] as const) {
      if (schema !== undefined && !isSchemaObject(schema)) {
        throw new IOMapperConfigError(`${key} must be a JSON Schema object`);
      }
    }
    if (!MODES.includes(this.mode)) {
      throw new IOMapperConfigError(`mode must be one of ${MODES.join(", ")}, not "${this.mode}"`);
    }
    if (this.mode === "imperative" && metadata.fieldMapping === undefined) {
      throw new IOMapperConfigError("imperative mode needs a fieldMapping");
    }
    if (this.mode !== "imperative" && metadata.fieldMapping !== undefined) {
      throw new IOMapperConfigError(
        `fieldMapping is only used in imperative mode, and mode is "${this.mode}"`,
      );
    }
    if (metadata.fieldMapping !== undefined) {
      checkFieldMapping(metadata.fieldMapping, this.outputPaths(), "fieldMapping");
    }
  }

  /** The graph node for this mapper's {@link mode}. */
  get node(): (state: StateRecord, config?: RunnableConfig) => Promise<StateRecord> {
    if (this.mode === "imperative") return this.langgraphImperative;
    if (this.mode === "compiled") return this.langgraphCompiled;
    return this.langgraphNode;
  }

  /** The input fields' values, nested as in the state; absent fields are left out. */
  extractInput(state: StateRecord): StateRecord {
    let input: StateRecord = {};
    for (const { path } of this.inputs) {
      if (hasStatePath(state, path)) {
        input = { ...input, ...setStatePath(input, path, getStatePath(state, path)) };
      }
    }
    return input;
  }

  /** Maps with the model: it is asked for the output data itself on every call. */
  readonly langgraphNode = async (
    state: StateRecord,
    config?: RunnableConfig,
  ): Promise<StateRecord> => {
    const llm = this.resolveLLM(config);
    const input = this.extractInput(state);
    const turns = this.turns(DEFAULT_SYSTEM_PROMPT, DEFAULT_USER_PROMPT, input, true);
    const output = await requestValidJson({
      llm,
      turns,
      schema: this.reducedOutputSchema,
      check: (value) => schemaViolations(this.reducedOutputSchema, value),
      structuredOutput: this.structuredOutput,
      mapperName: this.name,
      logger: this.logger,
      config,
    });
    return this.toUpdate(state, output as StateRecord);
  };

  /** Maps with `fieldMapping` and no model; input and output are checked against their schemas. */
  readonly langgraphImperative = async (state: StateRecord): Promise<StateRecord> => {
    const mapping = this.metadata.fieldMapping;
    if (!mapping) throw new IOMapperConfigError(`mapper "${this.name}" has no fieldMapping`);
    const input = this.extractInput(state);
    const inputViolations = schemaViolations(this.reducedInputSchema, input);
    if (inputViolations.length > 0) {
      throw new IOMapperValidationError(this.name, "input", inputViolations);
    }
    let result: MappingResult;
    try {
      result = applyFieldMapping(mapping, input, state, this.reducedOutputSchema);
    } catch (error) {
      if (error instanceof FieldMappingFailure) {
        throw new IOMapperError(`I/O mapper "${this.name}": ${error.message}`, { cause: error });
      }
      throw error;
    }
    const outputViolations = schemaViolations(this.reducedOutputSchema, result.output);
    if (outputViolations.length > 0) {
      throw new IOMapperValidationError(
        this.name,
        "output",
        outputViolations,
        unmatchedNote(result.unmatched),
      );
    }
    return this.toUpdate(state, result.output);
  };

  /**
   * Maps with a mapping the model wrote once for this pair of schemas; later calls use it
   * with no model. Input the mapping cannot handle goes to the model, with a warning.
   */
  readonly langgraphCompiled = async (
    state: StateRecord,
    config?: RunnableConfig,
  ): Promise<StateRecord> => {
    const input = this.extractInput(state);
    const key = await this.mappingKey();
    const known = this.memory.get(key) ?? (await this.store?.get(key));
    if (known) this.memory.put(key, known);
    if (!known && this.uncompilable.has(key)) return this.langgraphNode(state, config);
    const mapping = known ?? (await this.compileOnce(key, input, state, config));
    if (!mapping) return this.langgraphNode(state, config);
    const attempt = this.runMapping(mapping.fieldMapping, input, state);
    if (attempt.ok) return this.toUpdate(state, attempt.output);
    this.logger.warn(
      `I/O mapper "${this.name}": compiled mapping does not fit this input (${formatViolations(attempt.violations)}); mapping with the model instead`,
    );
    return this.langgraphNode(state, config);
  };

  /** The compiled mapping in use for this mapper's schemas, if one was written yet. */
  async compiledMapping(): Promise<CompiledMapping | undefined> {
    const key = await this.mappingKey();
    return this.memory.get(key) ?? (await this.store?.get(key));
  }

  private mappingKey(): Promise<string> {
    this.keyPromise ??= mappingKey(
      this.reducedInputSchema,
      this.reducedOutputSchema,
      this.metadata.outputDescriptionPrompt,
    );
    return this.keyPromise;
  }

  private compileOnce(
    key: string,
    input: StateRecord,
    state: StateRecord,
    config: RunnableConfig | undefined,
  ): Promise<CompiledMapping | undefined> {
    let pending = this.compiling.get(key);
    if (!pending) {
      pending = this.compile(key, input, state, config).finally(() => this.compiling.delete(key));
      this.compiling.set(key, pending);
    }
    return pending;
  }

  private async compile(
    key: string,
    input: StateRecord,
    state: StateRecord,
    config: RunnableConfig | undefined,
  ): Promise<CompiledMapping | undefined> {
    const llm = this.resolveLLM(config);
    const turns = this.turns(DEFAULT_COMPILE_SYSTEM_PROMPT, DEFAULT_COMPILE_USER_PROMPT, input);
    let reply: unknown;
    try {
      reply = await requestValidJson({
        llm,
        turns,
        schema: COMPILE_REPLY_SCHEMA,
        check: (value) => {
          const shape = schemaViolations(COMPILE_REPLY_SCHEMA, value);
          if (shape.length > 0) return shape;
          const attempt = this.runMapping((value as CompiledMapping).fieldMapping, input, state);
          return attempt.ok ? [] : attempt.violations;
        },
        structuredOutput: this.structuredOutput,
        mapperName: this.name,
        logger: this.logger,
        config,
      });
    } catch (error) {
      if (!(error instanceof IOMapperError)) throw error;
      this.uncompilable.add(key);
      this.logger.warn(
        `I/O mapper "${this.name}": the model wrote no usable mapping (${error.message}); mapping with the model from now on`,
      );
      return undefined;
    }
    const mapping: CompiledMapping = {
      fieldMapping: (reply as CompiledMapping).fieldMapping,
      createdAt: new Date().toISOString(),
    };
    this.memory.put(key, mapping);
    await this.store?.put(key, mapping);
    return mapping;
  }

  private runMapping(mapping: unknown, input: StateRecord, state: StateRecord): Attempt {
    try {
      checkFieldMapping(mapping, this.outputPaths(), "the compiled mapping");
      const { output, unmatched } = applyFieldMapping(
        mapping,
        input,
        state,
        this.reducedOutputSchema,
      );
      const violations = schemaViolations(this.reducedOutputSchema, output);
      if (violations.length === 0) return { ok: true, output };
      const note = unmatchedNote(unmatched);
      return {
        ok: false,
        violations: note ? [...violations, { instancePath: "", message: note }] : violations,
      };
    } catch (error) {
      if (error instanceof FieldMappingFailure || error instanceof IOMapperConfigError) {
        return { ok: false, violations: [{ instancePath: "", message: error.message }] };
      }
      throw error;
    }
  }

  private turns(
    systemTemplate: string,
    userTemplate: string,
    input: StateRecord,
    customizable = false,
  ): ChatTurn[] {
    const variables = promptVariables(
      this.reducedInputSchema,
      this.reducedOutputSchema,
      input,
      this.metadata.outputDescriptionPrompt,
    );
    const system = customizable
      ? (this.metadata.systemPromptTemplate ?? systemTemplate)
      : systemTemplate;
    const user = customizable ? (this.metadata.userPromptTemplate ?? userTemplate) : userTemplate;
    return [
      ["system", renderPrompt(system, variables)],
      ["human", renderPrompt(user, variables)],
    ];
  }

  private resolveLLM(config: RunnableConfig | undefined): BaseChatModel {
    const fromConfig = config?.configurable?.llm as BaseChatModel | undefined;
    const llm = this.llm ?? fromConfig;
    if (!llm || typeof llm.invoke !== "function") throw new IOMapperMissingLLMError(this.name);
    return llm;
  }

  private outputPaths(): string[] {
    return this.outputs.map((field) => field.path);
  }

  private toUpdate(state: StateRecord, output: StateRecord): StateRecord {
    const updates = this.outputs
      .filter(({ path }) => hasStatePath(output, path))
      .map(({ path }) => setStatePath(state, path, getStatePath(output, path)));
    return mergeStateUpdates(...updates);
  }
}

function unmatchedNote(unmatched: string[]): string | undefined {
  if (unmatched.length === 0) return undefined;
  return `no value found for ${unmatched.map((path) => `"${path}"`).join(", ")}`;
}
