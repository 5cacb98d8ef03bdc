/**
 * The common body of the nodes that stand for something outside the graph: read a
 * typed value from the state at a dot path, do the work, write the typed result back
 * at another dot path.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { z } from "zod";
import { ApiTypeError } from "../core/errors.js";
import { describeIssues, NodeStateError, type NodeValueRole } from "./node-errors.js";
import { isGraphChannel } from "./parent-stream.js";
import { channelsOf, noChannel, statePathProblem } from "./state-path-check.js";
import {
  getStatePath,
  hasStatePath,
  type StateRecord,
  setStatePath,
  splitStatePath,
} from "./state-paths.js";

/** Where a node finds its input, where it puts its output, and their types. */
export interface StateNodeIO<I, O> {
  /** The node's name in the graph, and in its errors. */
  name: string;
  /** Dot path in the state where the input is read, e.g. `mailcomposer.input`. */
  inputPath: string;
  /** Dot path in the state where the output is written, e.g. `mailcomposer.output`. */
  outputPath: string;
  /** Checks the input before it leaves the graph. */
  inputType: z.ZodType<I>;
  /** Checks the result before it enters the graph. */
  outputType: z.ZodType<O>;
  /**
   * The graph's state (`Annotation.Root(...)`, LangGraph's `StateSchema` or a zod
   * object schema), checked against both paths when the node is built: the top-level
   * key must be one of its channels, and, where the channel has a zod 4 schema (a zod
   * state, a `StateSchema` field), every key below it must be one that schema
   * declares, unless the object there is open (passthrough, catchall, record, `any`,
   * `unknown`). An `Annotation.Root(...)` channel has no run-time type, so below its
   * top level nothing is checked.
   */
  state?: unknown;
}

/**
 * A LangGraph node object: `builder.addNode(node.getName(), node)`. Subclasses do the
 * work in {@link execute}; this class reads and writes the state.
 *
 * The node is a `RunnableLambda` of `@langchain/core` around that body: its `invoke`
 * is LangChain's own, which opens the node's run for the callbacks (tracing,
 * `streamEvents`, the `messages` stream) and runs the body with the config LangGraph
 * passed, so LangGraph's `interrupt()`, `getWriter()` and `config.writer` find the
 * node's own task.
 */
export abstract class StateNode<I, O> extends RunnableLambda<
  StateRecord,
  StateRecord,
  LangGraphRunnableConfig
> {
  override lc_namespace = ["agntcy_acp", "langgraph"];

  /** Dot path in the state where the input is read. */
  readonly inputPath: string;
  /** Dot path in the state where the output is written. */
  readonly outputPath: string;
  /** The type the input must have. */
  readonly inputType: z.ZodType<I>;
  /** The type the output must have. */
  readonly outputType: z.ZodType<O>;

  constructor(io: StateNodeIO<I, O>) {
    super({
      func: (state: StateRecord, config?: LangGraphRunnableConfig) => this.run(state, config ?? {}),
    });
    if (typeof io.name !== "string" || io.name.length === 0) {
      throw new ApiTypeError("a node needs a non-empty name");
    }
    splitStatePath(io.inputPath);
    splitStatePath(io.outputPath);
    this.name = io.name;
    this.inputPath = io.inputPath;
    this.outputPath = io.outputPath;
    this.inputType = io.inputType;
    this.outputType = io.outputType;
    const channels = channelsOf(io.state);
    if (channels) {
      for (const [role, path] of [
        ["input", io.inputPath],
        ["output", io.outputPath],
      ] as const) {
        const problem = statePathProblem(channels, path);
        if (problem) throw new NodeStateError(io.name, role, path, problem);
      }
    }
  }

  /** Runs the node on a graph state and returns the state update that holds the output. */
  private async run(state: StateRecord, config: LangGraphRunnableConfig): Promise<StateRecord> {
    const input = await this.checkValue("input", this.inputPath, this.inputType, state);
    // LangGraph drops a write to a key that is no channel of the state without a word:
    // such a path fails before any work is done.
    const top = splitStatePath(this.outputPath)[0] as string;
    if (isGraphChannel(config, top) === false) {
      throw new NodeStateError(this.getName(), "output", this.outputPath, noChannel(top));
    }
    const output = await this.execute(input, state, config);
    const checked = await this.parseValue("output", this.outputPath, this.outputType, output);
    return setStatePath(state, this.outputPath, checked);
  }

  /** Does the node's work on its checked input; the result is checked by the base. */
  protected abstract execute(
    input: I,
    state: StateRecord,
    config: LangGraphRunnableConfig,
  ): Promise<unknown>;

  /** The value at `path` of `source`, checked by `type`. */
  protected async checkValue<T>(
    role: NodeValueRole,
    path: string,
    type: z.ZodType<T>,
    source: unknown,
  ): Promise<T> {
    if (!hasStatePath(source, path)) {
      throw new NodeStateError(this.getName(), role, path, "is missing");
    }
    return this.parseValue(role, path, type, getStatePath(source, path));
  }

  /** `value` checked by `type`; a mismatch is a {@link NodeStateError}. */
  protected async parseValue<T>(
    role: NodeValueRole,
    path: string,
    type: z.ZodType<T>,
    value: unknown,
  ): Promise<T> {
    const result = await type.safeParseAsync(value);
    if (!result.success) {
      throw new NodeStateError(
        this.getName(),
        role,
        path,
        `is invalid: ${describeIssues(result.error)}`,
      );
    }
    return result.data;
  }
}
