export * from "./client/acp-client.js";
export * from "./client/api-client.js";
export * from "./client/configuration.js";
export type { EnvSource } from "./client/env.js";
export * from "./client/limits.js";
export type { CrossOriginRedirects } from "./client/redirects.js";
export * from "./client/run-stream.js";
export {
  decodeRunOutputEvent,
  type RunOutputReaderOptions,
  readRunOutputStream,
  readSseMessages,
} from "./client/sse.js";
export * from "./client/types.js";
export * from "./core/errors.js";
export { SecretRedactor } from "./core/redact.js";
export * from "./models/index.js";
export * from "./operations.js";
export * from "./version.js";
