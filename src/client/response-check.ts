/**
 * Cheap checks for the hottest request and response shapes: a run creation body,
 * a run, and a wait answer. A zod `looseObject` parse copies every object it
 * walks, which on a short call costs as much as the exchange itself. These
 * checks only ever say "surely valid" for a value the zod schema accepts, and
 * then the value is used as it is (unknown fields stay, as zod would keep them);
 * anything they do not vouch for goes through zod, which also words the error.
 */
import type { z } from "zod";
import { isAgentValue, isPlainRecord } from "../core/json-guards.js";
import {
  RunCreateStateful,
  RunCreateStateless,
  RunStateful,
  RunStateless,
  RunStatus,
  RunWaitResponseStateful,
  RunWaitResponseStateless,
} from "../models/index.js";

/** True when a value is surely accepted by one schema; false means "ask zod", not "invalid". */
export type SurelyValid = (value: unknown) => boolean;

const statuses: ReadonlySet<unknown> = new Set(RunStatus.options);

/**
 * The keys of `RunCreate` a fast check does not inspect: a body that sets one
 * goes through zod. Unknown keys need no check (`looseObject` passes them).
 */
const uncheckedCreateKeys = [
  "config",
  "webhook",
  "stream_mode",
  "on_disconnect",
  "multitask_strategy",
  "after_seconds",
  "on_completion",
  "stream_subgraphs",
  "if_not_exists",
] as const;

/** A run creation body that sets only `agent_id`, `input`, `metadata` and unknown keys. */
export function surelyValidRunCreate(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  for (const key of uncheckedCreateKeys) if (value[key] !== undefined) return false;
  return (
    (value.agent_id === undefined || typeof value.agent_id === "string") &&
    (value.input === undefined || isAgentValue(value.input)) &&
    (value.metadata === undefined || isPlainRecord(value.metadata))
  );
}

/** A run with its creation request, as the server reports it. */
export function surelyValidRun(value: unknown): boolean {
  return (
    isPlainRecord(value) &&
    typeof value.run_id === "string" &&
    (value.thread_id === undefined || typeof value.thread_id === "string") &&
    typeof value.agent_id === "string" &&
    typeof value.created_at === "string" &&
    typeof value.updated_at === "string" &&
    statuses.has(value.status) &&
    surelyValidRunCreate(value.creation)
  );
}

/** A wait answer whose output, if any, is a result without messages. */
export function surelyValidWaitResponse(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  if (value.run !== undefined && !surelyValidRun(value.run)) return false;
  const output = value.output;
  if (output === undefined) return true;
  return (
    isPlainRecord(output) &&
    output.type === "result" &&
    output.messages === undefined &&
    (output.values === undefined || isAgentValue(output.values))
  );
}

/** The fast check of each schema that has one. */
const checks = new Map<z.ZodType, SurelyValid>([
  [RunCreateStateless, surelyValidRunCreate],
  [RunCreateStateful, surelyValidRunCreate],
  [RunStateless, surelyValidRun],
  [RunStateful, surelyValidRun],
  [RunWaitResponseStateless, surelyValidWaitResponse],
  [RunWaitResponseStateful, surelyValidWaitResponse],
]);

/** The fast check of `schema`, or undefined when it has none. */
export function fastCheckOf(schema: z.ZodType): SurelyValid | undefined {
  return checks.get(schema);
}
