/**
 * The echo agent as a module `acp serve` serves as it is:
 * `npm run acp -- serve examples/echo/agents.ts`
 */
import { buildEchoGraph, echoDescriptor } from "./echo-agent.js";

/** The agents this module offers: one echo agent. */
export const agents = [{ graph: buildEchoGraph(), descriptor: echoDescriptor }];
