import { z } from "zod";
import { Message, OutputSchema, RunStatus, StreamUpdateSchema } from "./common.js";
import { RunError, RunInterrupt } from "./runs.js";

/** A full snapshot of the run's output, replacing the previous one. */
export const ValueRunResultUpdate = z.looseObject({
  type: z.literal("values"),
  run_id: z.string(),
  status: RunStatus,
  values: OutputSchema,
  messages: z.array(Message).optional(),
});
export type ValueRunResultUpdate = z.infer<typeof ValueRunResultUpdate>;

/** An agent-defined update, shaped by the descriptor's `custom_streaming_update`. */
export const CustomRunResultUpdate = z.looseObject({
  type: z.literal("custom"),
  run_id: z.string().optional(),
  status: RunStatus,
  update: StreamUpdateSchema,
});
export type CustomRunResultUpdate = z.infer<typeof CustomRunResultUpdate>;

/** A streamed interrupt: the run waits for a resume. */
export const ValueRunInterruptUpdate = RunInterrupt.extend({
  run_id: z.string(),
  status: RunStatus,
});
export type ValueRunInterruptUpdate = z.infer<typeof ValueRunInterruptUpdate>;

/** A streamed error: the run ended in error. */
export const ValueRunErrorUpdate = RunError.extend({
  status: RunStatus,
});
export type ValueRunErrorUpdate = z.infer<typeof ValueRunErrorUpdate>;

/** One event of a run's output stream. */
export const RunOutputStream = z.looseObject({
  id: z.string(),
  event: z.literal("agent_event"),
  data: z.discriminatedUnion("type", [
    ValueRunResultUpdate,
    CustomRunResultUpdate,
    ValueRunInterruptUpdate,
    ValueRunErrorUpdate,
  ]),
});
export type RunOutputStream = z.infer<typeof RunOutputStream>;
