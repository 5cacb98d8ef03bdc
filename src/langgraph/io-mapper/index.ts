export { IOMappingAgent } from "./agent.js";
export {
  addIoMappedConditionalEdge,
  addIoMappedEdge,
  type EdgeEnd,
  type IOMappableGraphBuilder,
  type IOMappedRoute,
  type IOMappedTarget,
  type IOMapperConfig,
} from "./edges.js";
export {
  IOMapperConfigError,
  IOMapperError,
  IOMapperMissingLLMError,
  IOMapperResponseError,
  IOMapperValidationError,
  type SchemaViolation,
} from "./errors.js";
export { evaluateJsonPath } from "./field-mapping.js";
export { extractJson } from "./json-extract.js";
export { InMemoryMappingStore, mappingKey } from "./mapping-store.js";
export { isIOMappableNode, nodeStateSchema } from "./node-schemas.js";
export {
  DEFAULT_COMPILE_SYSTEM_PROMPT,
  DEFAULT_COMPILE_USER_PROMPT,
  DEFAULT_SYSTEM_PROMPT,
  DEFAULT_USER_PROMPT,
  type PromptVariables,
  renderPrompt,
} from "./prompts.js";
export {
  nestSchemaAtPath,
  type ReduceOptions,
  reduceSchema,
  type SchemaStep,
  schemaAtPath,
} from "./schema-reduce.js";
export type * from "./types.js";
