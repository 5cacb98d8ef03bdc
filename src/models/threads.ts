import { z } from "zod";
import { JsonObject, Message, ThreadStateSchema, ThreadStatus } from "./common.js";

/** A point in a thread's history. */
export const ThreadCheckpoint = z.looseObject({
  checkpoint_id: z.string(),
});
export type ThreadCheckpoint = z.infer<typeof ThreadCheckpoint>;

/** A thread: the state that runs on it share. */
export const Thread = z.looseObject({
  thread_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  metadata: JsonObject,
  status: ThreadStatus,
  values: ThreadStateSchema.optional(),
  messages: z.array(Message).optional(),
});
export type Thread = z.infer<typeof Thread>;

/** A thread's state at one checkpoint. */
export const ThreadState = z.looseObject({
  checkpoint: ThreadCheckpoint,
  values: ThreadStateSchema,
  messages: z.array(Message).optional(),
  metadata: JsonObject.optional(),
});
export type ThreadState = z.infer<typeof ThreadState>;

/** The body of `createThread`. */
export const ThreadCreate = z.looseObject({
  thread_id: z.string().optional(),
  metadata: JsonObject.optional(),
  if_exists: z.enum(["raise", "do_nothing"]).optional(),
});
export type ThreadCreate = z.infer<typeof ThreadCreate>;

/** The body of `patchThread`. */
export const ThreadPatch = z.looseObject({
  checkpoint: ThreadCheckpoint.optional(),
  metadata: JsonObject.optional(),
  values: ThreadStateSchema.optional(),
  messages: z.array(Message).optional(),
});
export type ThreadPatch = z.infer<typeof ThreadPatch>;

/** The body of `searchThreads`. */
export const ThreadSearchRequest = z.looseObject({
  metadata: JsonObject.optional(),
  values: JsonObject.optional(),
  status: ThreadStatus.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  offset: z.number().int().min(0).optional(),
});
export type ThreadSearchRequest = z.infer<typeof ThreadSearchRequest>;
