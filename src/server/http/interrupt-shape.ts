import type { RunOutput } from "../../models/index.js";
import type { AgentRegistry } from "../agents.js";
import type { ACPServerLogger, InterruptPayloadShape } from "../options.js";

/** Gives a run's output the shape the wait answers use; see `interruptPayloadShape`. */
export type OutputShaper = (agentId: string, output: RunOutput) => RunOutput;

/**
 * The output shaper for `shape`. The spec and the Python reference server disagree on
 * what `output.interrupt` holds: the spec's schema is the payload itself; the reference
 * server wraps it under the interrupt type whose `interrupt_payload` schema it matches
 * (`{ "question": { ... } }`), and the reference `ACPNode` unwraps the first key. Both
 * are objects a client can parse, so only the option tells them apart; the default is
 * the spec's.
 */
export function interruptShaper(
  shape: InterruptPayloadShape,
  agents: AgentRegistry,
  logger: ACPServerLogger,
): OutputShaper {
  if (shape === "spec") return (_agentId, output) => output;
  return (agentId, output) => {
    if (output.type !== "interrupt") return output;
    const declared = agents.find(agentId)?.interruptTypes ?? [];
    const match = declared.find((i) => i.payload.test(output.interrupt));
    if (!match) {
      logger.warn(
        `agent ${agentId} interrupted with a payload that matches none of its declared interrupt_payload schemas; it is answered unwrapped`,
      );
      return output;
    }
    return { ...output, interrupt: { [match.type]: output.interrupt } };
  };
}
