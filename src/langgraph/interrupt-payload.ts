/**
 * The payload of a remote agent's interrupt, whichever of the two shapes its server
 * sends. The spec's `output.interrupt` is the value the agent's graph passed to
 * `interrupt()`; the Python reference server wraps it in its wait answers as
 * `{ "<interrupt_type>": value }`, the declared type whose `interrupt_payload` schema
 * the value matches (an `interrupt` event of its streams is not the interrupt at all,
 * which is why ACPNode reads interrupts from wait answers: see `run-driver.ts`). Which shape came is
 * decided by the agent's descriptor: the declared types and their payload schemas,
 * never by the look of the value alone.
 */
import type { z } from "zod";
import { isPlainRecord } from "../core/json-guards.js";
import type { AgentACPDescriptor } from "../models/index.js";
import { jsonSchemaType } from "./json-schema-type.js";

/**
 * How ACPNode reads a remote interrupt's payload:
 *
 * - `"auto"` (the default): unwrapped when the value is `{ "<type>": payload }` for a
 *   declared type whose payload schema `payload` matches, and the value itself
 *   matches no declared payload schema; as it is otherwise (also when both readings
 *   fit, since the spec's shape is the contract).
 * - `"spec"`: always as it is.
 * - `"reference"`: unwrapped whenever the wrapped reading fits, for servers known to
 *   wrap (the Python reference server) whose payload schemas would also accept the
 *   wrapper.
 */
export type InterruptPayloadShape = "auto" | "spec" | "reference";

/** One declared interrupt type, with its payload schema compiled once. */
interface DeclaredInterrupt {
  type: string;
  payload: z.ZodType<unknown>;
}

/** Reads interrupt payloads by the interrupt types of one descriptor. */
export class InterruptPayloadReader {
  readonly #declared: readonly DeclaredInterrupt[];

  constructor(
    descriptor: AgentACPDescriptor | undefined,
    private readonly shape: InterruptPayloadShape = "auto",
  ) {
    this.#declared = (descriptor?.specs.interrupts ?? []).map((declared, i) => ({
      type: declared.interrupt_type,
      payload: jsonSchemaType(
        declared.interrupt_payload,
        `specs.interrupts[${i}].interrupt_payload`,
      ),
    }));
  }

  /** The value the agent interrupted with. */
  payloadOf(value: unknown): unknown {
    if (this.shape === "spec" || this.#declared.length === 0) return value;
    const inner = this.#wrapped(value);
    if (inner === undefined) return value;
    if (this.shape === "reference") return inner.value;
    const fitsAsItIs = this.#declared.some((d) => d.payload.safeParse(value).success);
    return fitsAsItIs ? value : inner.value;
  }

  /** `{ "<type>": payload }` with a declared type whose schema `payload` matches. */
  #wrapped(value: unknown): { value: unknown } | undefined {
    if (!isPlainRecord(value)) return undefined;
    const keys = Object.keys(value);
    if (keys.length !== 1) return undefined;
    const key = keys[0] as string;
    const declared = this.#declared.find((d) => d.type === key);
    if (!declared?.payload.safeParse(value[key]).success) return undefined;
    return { value: value[key] };
  }
}
