import { type AgentRegistry, toAgent } from "../agents.js";
import type { Handlers } from "./router.js";

/** The handlers of the Agents operations. */
export function agentHandlers(
  agents: AgentRegistry,
): Pick<Handlers, "searchAgents" | "getAgentById" | "getAcpDescriptorById"> {
  return {
    searchAgents: ({ body }) => {
      const matches = agents
        .all()
        .filter(
          (a) =>
            (body.name === undefined || a.descriptor.metadata.ref.name === body.name) &&
            (body.version === undefined || a.descriptor.metadata.ref.version === body.version),
        );
      const offset = body.offset ?? 0;
      return matches.slice(offset, offset + (body.limit ?? 10)).map(toAgent);
    },
    getAgentById: ({ path }) => toAgent(agents.get(path.agent_id)),
    getAcpDescriptorById: ({ path }) => agents.get(path.agent_id).descriptor,
  };
}
