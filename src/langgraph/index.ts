export { openTelemetryCallbacks } from "../core/tracing-langchain.js";
export * from "./a2a/index.js";
export * from "./acp-node.js";
export * from "./api-bridge.js";
export type { InterruptPayloadShape } from "./interrupt-payload.js";
export * from "./io-mapper/index.js";
export { jsonSchemaType } from "./json-schema-type.js";
export * from "./node-errors.js";
export {
  ACP_CUSTOM_EVENT,
  type ACPNodeCustomStream,
  type ACPNodeStreamEvent,
} from "./remote-stream.js";
export { isTransientACPError } from "./retry-on.js";
export { StateNode, type StateNodeIO } from "./state-node.js";
export type {
  GraphStateSchema,
  IsKnownType,
  StateChildOf,
  StateOf,
  StatePath,
  StatePathLeaf,
  StatePathsOf,
  StatePathValue,
  StateTypeChecks,
  TypesOverlap,
  UpdateOf,
} from "./state-path-types.js";
export * from "./state-paths.js";
