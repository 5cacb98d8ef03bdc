import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { ApiValueError } from "../core/errors.js";
import { toAgentDescriptor } from "../manifest/index.js";
import type { Agent, AgentACPDescriptor, StreamingMode } from "../models/index.js";
import { deriveAgentId, withLangGraphStreaming } from "./descriptor.js";
import { AgentNotFoundError } from "./errors.js";
import { anyOfSchemas, compileSchema, type SchemaCheck } from "./json-schema.js";
import type { ACPAgentOptions, ServableGraph } from "./options.js";

/** An agent as the server runs it: descriptor, graph and compiled schema checks. */
export interface RegisteredAgent {
  agentId: string;
  descriptor: AgentACPDescriptor;
  /** The user's graph, using the server's checkpointer. */
  graph: ServableGraph;
  /** The user's graph without a checkpointer, for runs that need no graph state kept. */
  uncheckpointed: ServableGraph;
  /** True when its descriptor declares interrupts: its runs may need to resume. */
  interrupts: boolean;
  input: SchemaCheck;
  config: SchemaCheck;
  resume: SchemaCheck;
  /** Its declared interrupts, in order: each type with a check of its payload. */
  interruptTypes: ReadonlyArray<{ type: string; payload: SchemaCheck }>;
  /** The stream modes its capabilities declare. */
  streamModes: StreamingMode[];
  /** True when its runs may ask for LangGraph's `messages` and `updates` modes (`streamLangGraph`). */
  streamLangGraph: boolean;
}

/**
 * The graph, bound to the server's checkpointer. The user's graph is left untouched:
 * `withConfig` returns a copy and the copy gets the checkpointer. The server needs one
 * checkpointer shared by all agents, because threads outlive runs, may be run by
 * different agents, and are read and patched by the thread operations; so it replaces
 * whatever checkpointer the graph was compiled with, and users can pass any compiled
 * graph, with or without one.
 */
function bindCheckpointer(
  graph: ServableGraph,
  saver: BaseCheckpointSaver | undefined,
): ServableGraph {
  const bound = graph.withConfig({});
  bound.checkpointer = saver;
  return bound;
}

/** The agents of one server, by id. */
export class AgentRegistry {
  private readonly byId = new Map<string, RegisteredAgent>();

  constructor(agents: readonly ACPAgentOptions[], saver: BaseCheckpointSaver) {
    if (agents.length === 0) throw new ApiValueError("an ACP server needs at least one agent");
    agents.forEach((options, index) => {
      const streamLangGraph = options.streamLangGraph === true;
      const given = toAgentDescriptor(options.descriptor);
      const descriptor = streamLangGraph ? withLangGraphStreaming(given) : given;
      const { specs, metadata } = descriptor;
      const agentId = options.agentId ?? deriveAgentId(metadata.ref.name, metadata.ref.version);
      if (this.byId.has(agentId)) {
        throw new ApiValueError(
          `agents[${index}]: agent id ${agentId} (${metadata.ref.name} ${metadata.ref.version}) is already taken`,
        );
      }
      const streaming = specs.capabilities.streaming ?? {};
      this.byId.set(agentId, {
        agentId,
        descriptor,
        graph: bindCheckpointer(options.graph, saver),
        uncheckpointed: bindCheckpointer(options.graph, undefined),
        interrupts: specs.capabilities.interrupts === true || (specs.interrupts ?? []).length > 0,
        input: compileSchema(specs.input, "input"),
        config: compileSchema(specs.config, "config"),
        resume: anyOfSchemas(
          (specs.interrupts ?? []).map((i) => compileSchema(i.resume_payload, "resume payload")),
          "resume payload",
        ),
        interruptTypes: (specs.interrupts ?? []).map((i) => ({
          type: i.interrupt_type,
          payload: compileSchema(i.interrupt_payload, "interrupt payload"),
        })),
        streamModes: (["values", "custom"] as const).filter((m) => streaming[m] === true),
        streamLangGraph,
      });
    });
  }

  /** All agents, in the order they were given. */
  all(): RegisteredAgent[] {
    return [...this.byId.values()];
  }

  /** The agent with this id, or an `AgentNotFoundError`. */
  get(agentId: string): RegisteredAgent {
    const agent = this.byId.get(agentId);
    if (!agent) throw new AgentNotFoundError(agentId);
    return agent;
  }

  /** The agent with this id, if any. */
  find(agentId: string | undefined): RegisteredAgent | undefined {
    return agentId === undefined ? undefined : this.byId.get(agentId);
  }

  /**
   * The agent a run without `agent_id` uses: the spec's "default agent for this
   * service", which is the first one given.
   */
  resolve(agentId: string | undefined): RegisteredAgent {
    if (agentId === undefined) return this.all()[0] as RegisteredAgent;
    return this.get(agentId);
  }
}

/** The `Agent` object of the wire. */
export function toAgent(agent: RegisteredAgent): Agent {
  return { agent_id: agent.agentId, metadata: agent.descriptor.metadata };
}
