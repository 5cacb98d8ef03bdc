import {
  INTERRUPT_ANSWERS_KEY,
  isInterruptAnswers,
  type PendingInterrupt,
  pendingInterruptsOf,
} from "../../core/langgraph-interrupts.js";
import type { ResumePayloadSchema, RunOutput } from "../../models/index.js";
import type { RegisteredAgent } from "../agents.js";
import { InvalidRequestError } from "../errors.js";
import { toWire } from "./wire.js";

/** What of a graph's state tells its pending interrupts: its next tasks. */
interface TasksOfState {
  tasks: ReadonlyArray<{
    interrupts?: ReadonlyArray<{ id?: string; value?: unknown }>;
    result?: unknown;
  }>;
}

/**
 * The interrupts a graph's state waits at, in the order of its tasks, as wire values.
 * A task that has a result was answered already (its branch went on while another
 * still waits): its interrupts are no longer pending.
 */
export function pendingInterrupts(state: TasksOfState | undefined): PendingInterrupt[] {
  return (state?.tasks ?? []).flatMap((task) =>
    task.result !== undefined
      ? []
      : (task.interrupts ?? []).flatMap((i) =>
          typeof i.id === "string" ? [{ id: i.id, value: toWire(i.value) }] : [],
        ),
  );
}

const ANSWERS_PATH = `body.${INTERRUPT_ANSWERS_KEY}`;

/**
 * What a resume hands the graph (`new Command({ resume })`), checked against the run's
 * interrupts and the agent's resume schemas. A body of interrupt answers
 * (`{ "interrupt_answers": { "<id>": answer } }`) becomes LangGraph's map from
 * interrupt id to answer; each id must be one the run waits at (`output.interrupts`),
 * each answer must match the agent's resume payload schema. Any other body is one
 * answer, as the spec has it.
 */
export function resumeValueOf(
  agent: RegisteredAgent,
  runId: string,
  output: RunOutput,
  body: ResumePayloadSchema,
): ResumePayloadSchema {
  if (!isInterruptAnswers(body)) {
    agent.resume.assert(body, "body");
    return body;
  }
  const answers = body[INTERRUPT_ANSWERS_KEY];
  const ids = Object.keys(answers);
  if (ids.length === 0) {
    throw new InvalidRequestError(
      `${ANSWERS_PATH} answers no interrupt: give each answer under its interrupt's id`,
      ANSWERS_PATH,
    );
  }
  const pending = (pendingInterruptsOf(output) ?? []).map((i) => i.id);
  for (const id of ids) {
    if (!pending.includes(id)) {
      throw new InvalidRequestError(
        `${ANSWERS_PATH}.${id} answers interrupt ${JSON.stringify(id)}, which run ${runId} does not wait at (it waits at ${
          pending.length > 0
            ? pending.map((p) => JSON.stringify(p)).join(", ")
            : "no interrupt with an id"
        })`,
        `${ANSWERS_PATH}.${id}`,
      );
    }
    agent.resume.assert(answers[id], `${ANSWERS_PATH}.${id}`);
  }
  return answers as ResumePayloadSchema;
}
