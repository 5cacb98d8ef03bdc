import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { RunnableConfig } from "@langchain/core/runnables";
import { IOMappingAgent } from "./agent.js";
import { IOMapperConfigError } from "./errors.js";
import { isIOMappableNode, nodeStateSchema } from "./node-schemas.js";
import type {
  FieldSpec,
  IOMappableNode,
  IOMapperLogger,
  IOMappingAgentMetadata,
  MappingStore,
  StructuredOutputPreference,
} from "./types.js";

/**
 * The parts of a LangGraph `StateGraph` builder the edge functions use. A builder's
 * parameters are typed with the literal node names it already has, of which a
 * mapper's run-time name is none; written as methods, these take the wider types
 * the edge functions pass, and TypeScript checks a method's parameters both ways,
 * so every builder fits without a cast.
 */
export interface IOMappableGraphBuilder {
  /** Adds the mapper's node. */
  addNode(name: string, action: IOMappingAgent["node"]): unknown;
  /** Adds an edge into or out of the mapper's node. */
  addEdge(start: string | string[], end: string): unknown;
  /** Adds the conditional edge that routes through the mapper. */
  addConditionalEdges(
    source: string,
    path: IOMappedRoute,
    pathMap?: Record<string, string> | string[],
  ): unknown;
}

/**
 * The mapper's metadata with the field lists optional (a node at either end supplies
 * them), plus the mapper's options.
 */
export interface IOMapperConfig
  extends Omit<IOMappingAgentMetadata, "inputFields" | "outputFields"> {
  inputFields?: FieldSpec[];
  outputFields?: FieldSpec[];
  /** Where compiled mappings persist besides memory. */
  store?: MappingStore;
  /** Receives fallback warnings; `console` by default. */
  logger?: IOMapperLogger;
  /** Use the model's JSON mode when it has one (`auto`), always (`true`) or never. */
  structuredOutput?: StructuredOutputPreference;
}

/** A graph node for the edge functions: a node object like ACPNode, or a node name. */
export type EdgeEnd = IOMappableNode | string;

/** One target of a mapped conditional edge; `metadata: null` is a plain edge with no mapper. */
export interface IOMappedTarget {
  end: EdgeEnd;
  metadata: IOMapperConfig | null;
}

function nameOf(end: EdgeEnd, role: string): string {
  if (typeof end === "string" && end.length > 0) return end;
  if (isIOMappableNode(end)) return end.getName();
  throw new IOMapperConfigError(`${role} must be a node name or a node with getName()`);
}

function buildAgent(
  start: EdgeEnd,
  end: EdgeEnd,
  config: IOMapperConfig,
  llm: BaseChatModel | undefined,
): IOMappingAgent {
  const { store, logger, structuredOutput, ...metadata } = config;
  const startNode = isIOMappableNode(start) ? start : undefined;
  const endNode = isIOMappableNode(end) ? end : undefined;
  const inputFields = metadata.inputFields?.length
    ? metadata.inputFields
    : startNode
      ? [startNode.outputPath]
      : undefined;
  const outputFields = metadata.outputFields?.length
    ? metadata.outputFields
    : endNode
      ? [endNode.inputPath]
      : undefined;
  const name = `${nameOf(start, "start")}_${nameOf(end, "end")}`;
  if (!inputFields) {
    throw new IOMapperConfigError("inputFields is required when start is not a node object", {
      mapperName: name,
    });
  }
  if (!outputFields) {
    throw new IOMapperConfigError("outputFields is required when end is not a node object", {
      mapperName: name,
    });
  }
  return new IOMappingAgent({
    metadata: {
      ...metadata,
      inputFields,
      outputFields,
      inputSchema:
        metadata.inputSchema ?? (startNode ? nodeStateSchema(startNode, "output") : undefined),
      outputSchema:
        metadata.outputSchema ?? (endNode ? nodeStateSchema(endNode, "input") : undefined),
    },
    llm,
    name,
    store,
    logger,
    structuredOutput,
  });
}

function addMapperNode(graph: IOMappableGraphBuilder, agent: IOMappingAgent): void {
  graph.addNode(agent.name, agent.node);
}

/**
 * Puts a mapper between `start` and `end`: adds a node named `<start>_<end>` and the edges
 * `start -> mapper -> end`. Node objects at either end fill in the missing field lists
 * (`start.outputPath`, `end.inputPath`) and schemas (their zod types or ACP descriptors).
 */
export function addIoMappedEdge(
  graph: IOMappableGraphBuilder,
  start: EdgeEnd,
  end: EdgeEnd,
  config: IOMapperConfig,
  llm?: BaseChatModel,
): IOMappingAgent {
  const agent = buildAgent(start, end, config ?? {}, llm);
  addMapperNode(graph, agent);
  graph.addEdge(nameOf(start, "start"), agent.name);
  graph.addEdge(agent.name, nameOf(end, "end"));
  return agent;
}

/**
 * Chooses a branch: returns a key of the target map (or several keys). Declared as
 * a method so that its state parameter is checked both ways: a route written for
 * the graph's own state type fits, and so does LangGraph's path parameter.
 */
export type IOMappedRoute = {
  /** Reads the state and returns the key (or keys) of the branch to take. */
  route(
    state: Record<string, unknown>,
    config?: RunnableConfig,
  ): string | string[] | Promise<string | string[]>;
}["route"];

/**
 * A conditional edge from `start` whose targets each go through their own mapper, or
 * straight to the target where its metadata is `null`. `path` returns keys of
 * `targets`. Returns the mappers by end node name.
 */
export function addIoMappedConditionalEdge(
  graph: IOMappableGraphBuilder,
  start: EdgeEnd,
  path: IOMappedRoute,
  targets: Record<string, IOMappedTarget>,
  llm?: BaseChatModel,
): Record<string, IOMappingAgent> {
  const startName = nameOf(start, "start");
  const agents: Record<string, IOMappingAgent> = {};
  const pathMap: Record<string, string> = {};
  for (const [key, target] of Object.entries(targets ?? {})) {
    if (typeof target !== "object" || target === null || !("end" in target)) {
      throw new IOMapperConfigError(`target "${key}" must be { end, metadata }`);
    }
    const endName = nameOf(target.end, `target "${key}" end`);
    if (target.metadata === null) {
      pathMap[key] = endName;
      continue;
    }
    const agent = buildAgent(start, target.end, target.metadata ?? {}, llm);
    addMapperNode(graph, agent);
    graph.addEdge(agent.name, endName);
    agents[endName] = agent;
    pathMap[key] = agent.name;
  }
  if (Object.keys(pathMap).length === 0) {
    throw new IOMapperConfigError(`the conditional edge from "${startName}" has no targets`);
  }
  graph.addConditionalEdges(startName, path, pathMap);
  return agents;
}
