export {
  A2ANode,
  type A2ANodeFromCardOptions,
  type A2ANodeIOOptions,
  type A2ANodeOptions,
} from "./a2a-node.js";
export { A2A_JSON_SCHEMA_EXTENSION, type CardJsonSchema } from "./card-schemas.js";
export type { A2AConnectionOptions, A2ATransport } from "./connection.js";
export {
  A2AClientError,
  type A2AFailedState,
  A2AInterruptError,
  A2AProtocolError,
  A2ATaskError,
} from "./errors.js";
export { A2A_TASK_TAG_KEY, type A2ANodeStreamEvent } from "./task-driver.js";
