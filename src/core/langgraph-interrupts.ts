/**
 * Every interrupt of a LangGraph step, carried over ACP.
 *
 * ACP 0.2.3 gives an interrupted run one `interrupt` payload. When parallel branches
 * of a graph interrupt in the same step, the server still puts the first one's value
 * there, as before, and lists all of them, each with its LangGraph interrupt id, in an
 * extra field {@link INTERRUPTS_FIELD} of the run's interrupt output, of the stream's
 * interrupt event and of the thread:
 *
 * ```json
 * { "type": "interrupt", "interrupt": { "question": "a?" },
 *   "interrupts": [{ "id": "6f0c…", "value": { "question": "a?" } }, { "id": "9b1e…", "value": { "question": "b?" } }] }
 * ```
 *
 * A resume answers several at once with {@link InterruptAnswers}: a body whose only
 * field is {@link INTERRUPT_ANSWERS_KEY}, mapping interrupt ids to their answers, as
 * LangGraph's `new Command({ resume: { [id]: value } })` takes them. Any other body is
 * one answer, as the spec has it.
 *
 * @module
 */
import { isRecord } from "./json-guards.js";

/** One interrupt a run waits at: its LangGraph id and the value given to `interrupt()`. */
export interface PendingInterrupt {
  /** The interrupt's id, as LangGraph gives it (the key a resume answers it under). */
  id: string;
  /** The value the graph passed to `interrupt()`. */
  value: unknown;
}

/** The field of an interrupt output, interrupt event or thread that lists every pending interrupt. */
export const INTERRUPTS_FIELD = "interrupts";

/** The only field of a resume body that answers several interrupts by id. */
export const INTERRUPT_ANSWERS_KEY = "interrupt_answers";

/** A resume body that answers interrupts by id: `{ "interrupt_answers": { "<id>": answer } }`. */
export type InterruptAnswers = {
  /** Each answer, under the id of the interrupt it answers. */
  [INTERRUPT_ANSWERS_KEY]: Record<string, unknown>;
};

/** The resume body that answers interrupts by id. */
export function interruptAnswers(answers: Record<string, unknown>): InterruptAnswers {
  return { [INTERRUPT_ANSWERS_KEY]: answers };
}

/** True when a resume body is {@link InterruptAnswers}: an object whose only field is the answers. */
export function isInterruptAnswers(body: unknown): body is InterruptAnswers {
  if (!isRecord(body)) return false;
  const keys = Object.keys(body);
  return keys.length === 1 && keys[0] === INTERRUPT_ANSWERS_KEY && isRecord(body[keys[0]]);
}

/**
 * The interrupts an interrupt output, interrupt event or thread lists in
 * {@link INTERRUPTS_FIELD}; undefined when it lists none (a server that does not).
 */
export function pendingInterruptsOf(carrier: unknown): PendingInterrupt[] | undefined {
  if (!isRecord(carrier)) return undefined;
  const list = carrier[INTERRUPTS_FIELD];
  if (!Array.isArray(list)) return undefined;
  return list.filter(
    (i): i is PendingInterrupt => isRecord(i) && typeof i.id === "string" && "value" in i,
  );
}
