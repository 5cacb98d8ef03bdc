/**
 * Stand-ins for how strictly the Python reference SDK (`agntcy_acp`) reads what a
 * server sends, written from reading its generated pydantic models
 * (`agntcy_acp/acp_v0/models/`): `RunOutputStream` (`event` must be `agent_event`),
 * `StreamEventPayload.from_json` (the data must parse as exactly one of
 * `ValueRunResultUpdate`, `CustomRunResultUpdate`, `ValueRunInterruptUpdate`,
 * `ValueRunErrorUpdate`), `RunOutput.from_json` for wait answers, and the interrupt
 * handling of `agntcy_acp/langgraph/acp_node.py` (`ACPNode._handle_interrupt`, which
 * surfaces the value of the first key of the interrupt object).
 *
 * The strictness kept: `StrictStr` and `StrictInt` fields take no other type, fields
 * typed `Dict[str, Any]` (`values`, `update`, `interrupt`) take JSON objects only,
 * `status` is one of the `RunStatus` values, each `type` is its one literal, and a
 * body that is not JSON (an empty event) matches nothing.
 */
import type { ReferenceSseEvent } from "./reference-sdk-sse-reader.js";

/** What the reference SDK raises where it cannot read a payload (a pydantic `ValueError`). */
export class ReferenceSdkValueError extends Error {
  override name = "ReferenceSdkValueError";
}

/** The `RunStatus` enum of the reference models. */
const RUN_STATUSES = ["pending", "error", "success", "timeout", "interrupted"];

type Json = Record<string, unknown>;
type Check = (obj: Json) => string | undefined;

const isDict = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const strictStr =
  (name: string, optional = false): Check =>
  (o) =>
    typeof o[name] === "string" || (optional && o[name] == null)
      ? undefined
      : `${name}: Input should be a valid string`;
const strictInt =
  (name: string): Check =>
  (o) =>
    Number.isInteger(o[name]) ? undefined : `${name}: Input should be a valid integer`;
const dict =
  (name: string, optional = false): Check =>
  (o) =>
    isDict(o[name]) || (optional && o[name] == null)
      ? undefined
      : `${name}: Input should be a valid dictionary`;
const literal =
  (name: string, value: string): Check =>
  (o) =>
    o[name] === value ? undefined : `${name}: must be one of enum values ('${value}')`;
const status: Check = (o) =>
  RUN_STATUSES.includes(o.status as string)
    ? undefined
    : `status: Input should be ${RUN_STATUSES.map((s) => `'${s}'`).join(", ")}`;
const messages: Check = (o) =>
  o.messages == null ||
  (Array.isArray(o.messages) &&
    o.messages.every(
      (m) =>
        isDict(m) &&
        typeof m.role === "string" &&
        (typeof m.content === "string" || Array.isArray(m.content)),
    ))
    ? undefined
    : "messages: Input should be a valid list of Message";

/** A model: its name and the checks of its fields. */
type Model = readonly [string, readonly Check[]];

const STREAM_EVENT_PAYLOAD: readonly Model[] = [
  [
    "ValueRunResultUpdate",
    [literal("type", "values"), strictStr("run_id"), status, dict("values"), messages],
  ],
  [
    "CustomRunResultUpdate",
    [literal("type", "custom"), strictStr("run_id", true), status, dict("update")],
  ],
  [
    "ValueRunInterruptUpdate",
    [literal("type", "interrupt"), dict("interrupt"), strictStr("run_id"), status],
  ],
  [
    "ValueRunErrorUpdate",
    [
      literal("type", "error"),
      strictStr("run_id"),
      strictInt("errcode"),
      strictStr("description"),
      status,
    ],
  ],
];

const RUN_OUTPUT: readonly Model[] = [
  ["RunResult", [literal("type", "result"), dict("values", true), messages]],
  ["RunInterrupt", [literal("type", "interrupt"), dict("interrupt")]],
  [
    "RunError",
    [literal("type", "error"), strictStr("run_id"), strictInt("errcode"), strictStr("description")],
  ],
];

/**
 * The generated `oneOf` wrapper's `from_json`: the JSON must validate as exactly one
 * of the models, else a `ValueError` naming them all.
 */
function oneOf(
  wrapper: string,
  models: readonly Model[],
  json: string,
): { model: string; value: Json } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ReferenceSdkValueError(
      `No match found when deserializing the JSON string into ${wrapper}: ${(err as Error).message}`,
    );
  }
  const problems: string[] = [];
  const matches: string[] = [];
  for (const [name, checks] of models) {
    const found = isDict(parsed)
      ? checks.map((check) => check(parsed as Json)).filter((p) => p !== undefined)
      : ["Input should be a valid dictionary"];
    if (found.length === 0) matches.push(name);
    else problems.push(`${name}: ${found.join("; ")}`);
  }
  if (matches.length !== 1) {
    const which = matches.length === 0 ? "No match" : "Multiple matches";
    throw new ReferenceSdkValueError(
      `${which} found when deserializing the JSON string into ${wrapper}. Details: ${problems.join(", ")}`,
    );
  }
  return { model: matches[0] as string, value: parsed as Json };
}

/** One `RunOutputStream` as the SDK's streaming methods build it from an SSE event. */
export interface ReferenceRunOutputStream {
  id: string;
  event: "agent_event";
  /** The name of the model the data matched, e.g. `ValueRunInterruptUpdate`. */
  model: string;
  data: Json;
}

/** Builds the SDK's `RunOutputStream` from one dispatched event, or throws as it does. */
export function toRunOutputStream(event: ReferenceSseEvent): ReferenceRunOutputStream {
  const data = oneOf("StreamEventPayload", STREAM_EVENT_PAYLOAD, event.eventData);
  if (event.eventType !== "agent_event") {
    throw new ReferenceSdkValueError("event: must be one of enum values ('agent_event')");
  }
  return { id: event.lastEventId, event: "agent_event", model: data.model, data: data.value };
}

/** A wait answer's `output` as the SDK's `RunOutput` reads it, or throws as it does. */
export function toRunOutput(output: unknown): { model: string; value: Json } {
  return oneOf("RunOutput", RUN_OUTPUT, JSON.stringify(output));
}

/**
 * What the reference `ACPNode` hands to LangGraph's `interrupt()` for a wait answer
 * whose output is an interrupt: the value of the interrupt object's first key.
 */
export function referenceNodeInterruptValue(output: unknown): unknown {
  const { model, value } = toRunOutput(output);
  if (model !== "RunInterrupt") throw new Error(`the output is a ${model}, not a RunInterrupt`);
  const interrupt = value.interrupt as Json;
  const first = Object.keys(interrupt)[0];
  if (first === undefined) throw new Error("StopIteration: the interrupt object has no key");
  return interrupt[first];
}
