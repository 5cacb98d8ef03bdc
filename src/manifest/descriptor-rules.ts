/**
 * The rules a descriptor's specs must follow beyond their shape: what is declared
 * must agree with the declared capabilities, and every embedded schema must be a
 * valid JSON Schema.
 */
import type { DescriptorProblem, PathToItem } from "../core/errors.js";
import { isRecord } from "../core/json-guards.js";
import { checkJsonSchema } from "./json-schema-check.js";
import { problem } from "./problems.js";

/**
 * The problems of the `specs` object found at `at` (for example `["specs"]`, or
 * the `acp` object of a manifest). The value may be malformed: only what can be
 * read is checked, the shape itself is the zod schema's job.
 */
export function checkSpecRules(specs: unknown, at: PathToItem): DescriptorProblem[] {
  if (!isRecord(specs)) return [];
  const out: DescriptorProblem[] = [];
  const caps = isRecord(specs.capabilities) ? specs.capabilities : {};
  const streaming = isRecord(caps.streaming) ? caps.streaming : {};
  const interrupts = Array.isArray(specs.interrupts) ? specs.interrupts : [];

  if (specs.thread_state !== undefined && caps.threads !== true) {
    out.push(
      problem(
        [...at, "thread_state"],
        "thread_state is defined but capabilities.threads is not true",
      ),
    );
  }
  if (caps.interrupts === true && interrupts.length === 0) {
    out.push(
      problem(
        [...at, "interrupts"],
        "capabilities.interrupts is true but no interrupts are declared",
      ),
    );
  }
  if (caps.interrupts !== true && interrupts.length > 0) {
    out.push(
      problem(
        [...at, "interrupts"],
        "interrupts are declared but capabilities.interrupts is not true",
      ),
    );
  }
  if (streaming.custom === true && specs.custom_streaming_update === undefined) {
    out.push(
      problem(
        [...at, "custom_streaming_update"],
        "capabilities.streaming.custom is true but custom_streaming_update is missing",
      ),
    );
  }
  if (streaming.custom !== true && specs.custom_streaming_update !== undefined) {
    out.push(
      problem(
        [...at, "custom_streaming_update"],
        "custom_streaming_update is defined but capabilities.streaming.custom is not true",
      ),
    );
  }

  const seenTypes = new Set<unknown>();
  interrupts.forEach((interrupt, i) => {
    if (!isRecord(interrupt)) return;
    const type = interrupt.interrupt_type;
    if (seenTypes.has(type)) {
      out.push(
        problem(
          [...at, "interrupts", i, "interrupt_type"],
          `interrupt_type ${JSON.stringify(type)} is declared more than once`,
        ),
      );
    }
    seenTypes.add(type);
  });

  for (const key of ["input", "output", "config", "thread_state", "custom_streaming_update"]) {
    if (isRecord(specs[key])) out.push(...checkJsonSchema(specs[key], [...at, key]));
  }
  interrupts.forEach((interrupt, i) => {
    if (!isRecord(interrupt)) return;
    for (const key of ["interrupt_payload", "resume_payload"]) {
      if (isRecord(interrupt[key])) {
        out.push(...checkJsonSchema(interrupt[key], [...at, "interrupts", i, key]));
      }
    }
  });
  return out;
}
