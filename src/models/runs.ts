import { z } from "zod";
import {
  ConfigSchema,
  InputSchema,
  InterruptPayloadSchema,
  JsonObject,
  Message,
  OutputSchema,
  RunStatus,
  StreamingMode,
} from "./common.js";

/** The LangGraph-style configuration of a run. */
export const RunConfig = z.looseObject({
  tags: z.array(z.string()).optional(),
  recursion_limit: z.number().int().optional(),
  configurable: ConfigSchema.optional(),
});
export type RunConfig = z.infer<typeof RunConfig>;

/** What every run creation request carries. */
export const RunCreate = z.looseObject({
  agent_id: z.string().optional(),
  input: InputSchema.optional(),
  metadata: JsonObject.optional(),
  config: RunConfig.optional(),
  webhook: z.string().min(1).max(65536).optional(),
  stream_mode: z.union([z.array(StreamingMode), StreamingMode, z.null()]).optional(),
  on_disconnect: z.enum(["cancel", "continue"]).optional(),
  multitask_strategy: z.enum(["reject", "rollback", "interrupt", "enqueue"]).optional(),
  after_seconds: z.number().int().optional(),
});
export type RunCreate = z.infer<typeof RunCreate>;

/** The body that creates a stateless run. */
export const RunCreateStateless = RunCreate.extend({
  on_completion: z.enum(["delete", "keep"]).optional(),
});
export type RunCreateStateless = z.infer<typeof RunCreateStateless>;

/** The body that creates a run on a thread. */
export const RunCreateStateful = RunCreate.extend({
  stream_subgraphs: z.boolean().optional(),
  if_not_exists: z.enum(["create", "reject"]).optional(),
});
export type RunCreateStateful = z.infer<typeof RunCreateStateful>;

/** A run as the server reports it. */
export const Run = z.looseObject({
  run_id: z.string(),
  thread_id: z.string().optional(),
  agent_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  status: RunStatus,
});
export type Run = z.infer<typeof Run>;

/** A stateless run, with the request that created it. */
export const RunStateless = Run.extend({ creation: RunCreateStateless });
export type RunStateless = z.infer<typeof RunStateless>;

/** A run on a thread, with the request that created it. */
export const RunStateful = Run.extend({ creation: RunCreateStateful });
export type RunStateful = z.infer<typeof RunStateful>;

/** The body of `searchStatelessRuns`. */
export const RunSearchRequest = z.looseObject({
  agent_id: z.string().optional(),
  status: RunStatus.optional(),
  metadata: JsonObject.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  offset: z.number().int().min(0).optional(),
});
export type RunSearchRequest = z.infer<typeof RunSearchRequest>;

/** The final result of a run. */
export const RunResult = z.looseObject({
  type: z.literal("result"),
  values: OutputSchema.optional(),
  messages: z.array(Message).optional(),
});
export type RunResult = z.infer<typeof RunResult>;

/** A run that stopped to ask for more input. */
export const RunInterrupt = z.looseObject({
  type: z.literal("interrupt"),
  interrupt: InterruptPayloadSchema,
});
export type RunInterrupt = z.infer<typeof RunInterrupt>;

/** A run that ended in an error. */
export const RunError = z.looseObject({
  type: z.literal("error"),
  run_id: z.string(),
  errcode: z.number().int(),
  description: z.string(),
});
export type RunError = z.infer<typeof RunError>;

/** What a run produced: a result, an interrupt or an error, told apart by `type`. */
export const RunOutput = z.discriminatedUnion("type", [RunResult, RunInterrupt, RunError]);
export type RunOutput = z.infer<typeof RunOutput>;

/** The answer of the stateless wait operations. */
export const RunWaitResponseStateless = z.looseObject({
  run: RunStateless.optional(),
  output: RunOutput.optional(),
});
export type RunWaitResponseStateless = z.infer<typeof RunWaitResponseStateless>;

/** The answer of the thread-run wait operations. */
export const RunWaitResponseStateful = z.looseObject({
  run: RunStateful.optional(),
  output: RunOutput.optional(),
});
export type RunWaitResponseStateful = z.infer<typeof RunWaitResponseStateful>;
