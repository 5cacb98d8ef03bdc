import type { z } from "zod";
import * as agents from "./agents.js";
import * as common from "./common.js";
import * as runs from "./runs.js";
import * as streaming from "./streaming.js";
import * as threads from "./threads.js";

export * from "./agents.js";
export * from "./common.js";
export * from "./runs.js";
export * from "./streaming.js";
export * from "./threads.js";

/**
 * The zod schema of every schema named in the ACP specification's
 * `components.schemas`, by its name there.
 */
export const specSchemas = {
  Agent: agents.Agent,
  AgentMetadata: agents.AgentMetadata,
  AgentRef: agents.AgentRef,
  AgentACPDescriptor: agents.AgentACPDescriptor,
  AgentACPSpec: agents.AgentACPSpec,
  AgentSearchRequest: agents.AgentSearchRequest,
  Run: runs.Run,
  RunStateless: runs.RunStateless,
  RunStateful: runs.RunStateful,
  RunCreateStateful: runs.RunCreateStateful,
  RunWaitResponseStateful: runs.RunWaitResponseStateful,
  RunWaitResponseStateless: runs.RunWaitResponseStateless,
  RunCreateStateless: runs.RunCreateStateless,
  ThreadSearchRequest: threads.ThreadSearchRequest,
  Thread: threads.Thread,
  ThreadCheckpoint: threads.ThreadCheckpoint,
  ThreadState: threads.ThreadState,
  ThreadCreate: threads.ThreadCreate,
  ThreadPatch: threads.ThreadPatch,
  Message: common.Message,
  ErrorResponse: common.ErrorResponse,
  RunCreate: runs.RunCreate,
  StreamingMode: common.StreamingMode,
  RunStatus: common.RunStatus,
  ThreadStatus: common.ThreadStatus,
  RunSearchRequest: runs.RunSearchRequest,
  RunOutput: runs.RunOutput,
  RunResult: runs.RunResult,
  ValueRunResultUpdate: streaming.ValueRunResultUpdate,
  RunOutputStream: streaming.RunOutputStream,
  CustomRunResultUpdate: streaming.CustomRunResultUpdate,
  ValueRunErrorUpdate: streaming.ValueRunErrorUpdate,
  RunError: runs.RunError,
  ValueRunInterruptUpdate: streaming.ValueRunInterruptUpdate,
  RunInterrupt: runs.RunInterrupt,
  InputSchema: common.InputSchema,
  OutputSchema: common.OutputSchema,
  ConfigSchema: common.ConfigSchema,
  ThreadStateSchema: common.ThreadStateSchema,
  StreamUpdateSchema: common.StreamUpdateSchema,
  InterruptPayloadSchema: common.InterruptPayloadSchema,
  ResumePayloadSchema: common.ResumePayloadSchema,
} as const satisfies Record<string, z.ZodType>;

/** The name of a schema of the ACP specification. */
export type SpecSchemaName = keyof typeof specSchemas;
