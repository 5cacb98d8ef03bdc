/**
 * How many of a node's interrupts LangGraph has already answered in earlier executions
 * of the same task.
 *
 * LangGraph re-runs an interrupted node from its start on resume and hands its
 * `interrupt()` calls the recorded answers by order. A node that forwards the answers to
 * a remote run must not forward one twice, so it needs the count of answers recorded
 * before this execution; a new answer (from `Command({ resume })`) is not among them.
 * LangGraph keeps that list in the task's scratchpad, which it does not export, so this
 * file is the one place that reads it.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";

const SCRATCHPAD_KEY = "__pregel_scratchpad";
const RESUME_MAP_KEY = "__pregel_resume_map";

interface Scratchpad {
  resume: unknown[];
}

function isScratchpad(value: unknown): value is Scratchpad {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as { resume?: unknown }).resume)
  );
}

/**
 * The number of answers recorded for this task before this execution. LangGraph appends
 * an answer given by interrupt id (`Command({ resume: { [id]: value } })`) to the same
 * list up front; that one is new, and is recognised as the very object of the map.
 */
export function answersGiven(config: LangGraphRunnableConfig): number {
  const pad: unknown = config.configurable?.[SCRATCHPAD_KEY];
  if (!isScratchpad(pad)) return 0;
  const given = pad.resume.length;
  const map: unknown = config.configurable?.[RESUME_MAP_KEY];
  if (given > 0 && typeof map === "object" && map !== null) {
    if (Object.values(map).includes(pad.resume[given - 1])) return given - 1;
  }
  return given;
}

/**
 * The answers by interrupt id the parent was resumed with
 * (`new Command({ resume: { [id]: value } })`), if it was; LangGraph hands each task
 * only the answer to its own first pending interrupt, so a node that raised several
 * reads the others here.
 */
export function resumeMapOf(config: LangGraphRunnableConfig): Record<string, unknown> | undefined {
  const map: unknown = config.configurable?.[RESUME_MAP_KEY];
  return typeof map === "object" && map !== null ? (map as Record<string, unknown>) : undefined;
}
