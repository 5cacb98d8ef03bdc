export * from "./client/errors.js";
export * from "./models/index.js";
export * from "./operations.js";
export * from "./version.js";
