export * from "./acp-node.js";
export * from "./api-bridge.js";
export type { InterruptPayloadShape } from "./interrupt-payload.js";
export * from "./io-mapper/index.js";
export { jsonSchemaType } from "./json-schema-type.js";
export * from "./node-errors.js";
export type { ACPNodeStreamEvent } from "./run-driver.js";
export { StateNode, type StateNodeIO } from "./state-node.js";
export * from "./state-paths.js";
