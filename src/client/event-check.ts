/**
 * Checks the `data` of a stream event against the one branch of `RunOutputStream`
 * its `type` names. A stream can carry millions of events, so the two common
 * branches get a hand check first; it only ever accepts what the branch's zod
 * schema accepts, and everything it does not vouch for goes through zod, which
 * also words the error.
 */
import type { z } from "zod";
import { isAgentValue, isPlainRecord } from "../core/json-guards.js";
import {
  CustomRunResultUpdate,
  type RunOutputStream,
  RunStatus,
  ValueRunErrorUpdate,
  ValueRunInterruptUpdate,
  ValueRunResultUpdate,
} from "../models/index.js";
import { parseOrThrow } from "./validation.js";

/** The `data` of a stream event. */
export type RunOutputData = RunOutputStream["data"];

/** The schema of each `data.type`. */
const branches: Readonly<Record<string, z.ZodType<RunOutputData>>> = {
  values: ValueRunResultUpdate,
  custom: CustomRunResultUpdate,
  interrupt: ValueRunInterruptUpdate,
  error: ValueRunErrorUpdate,
};

const statuses: ReadonlySet<unknown> = new Set(RunStatus.options);

/** True when `type` names a branch of `RunOutputStream.data`. */
export function isRunOutputType(type: unknown): type is RunOutputData["type"] {
  return typeof type === "string" && Object.hasOwn(branches, type);
}

/**
 * `data` parsed with the zod schema of the branch its `type` names (which must be
 * one, see {@link isRunOutputType}); a mismatch is an `ApiValueError` that starts
 * with `context` and has a path under `data`.
 */
export function parseRunOutputData(data: Record<string, unknown>, context: string): RunOutputData {
  const schema = branches[data.type as string] as z.ZodType<RunOutputData>;
  return parseOrThrow(schema, data, context, ["data"]);
}

/**
 * True when `data`, parsed from JSON, is one the schema of its `type` surely
 * accepts; false means "ask zod", not "invalid". JSON holds no functions, no
 * `undefined` and no class instances, so for it these `typeof` tests say what
 * zod's checks say (numbers still need `isFinite`: `1e999` parses to Infinity).
 */
export function surelyValid(data: Record<string, unknown>): boolean {
  if (!statuses.has(data.status)) return false;
  switch (data.type) {
    case "custom":
      return (
        (data.run_id === undefined || typeof data.run_id === "string") && isPlainRecord(data.update)
      );
    case "values":
      return (
        typeof data.run_id === "string" && data.messages === undefined && isAgentValue(data.values)
      );
    default:
      return false;
  }
}
