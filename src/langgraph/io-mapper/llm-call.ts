import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { RunnableConfig } from "@langchain/core/runnables";
import { withOpenTelemetry } from "../../core/tracing-langchain.js";
import {
  formatViolations,
  IOMapperResponseError,
  IOMapperValidationError,
  type SchemaViolation,
} from "./errors.js";
import { extractJson, messageText } from "./json-extract.js";
import { retryPrompt } from "./prompts.js";
import type { IOMapperLogger, JsonSchema, StructuredOutputPreference } from "./types.js";

/** A chat turn as LangChain accepts it: `[role, text]`. */
export type ChatTurn = ["system" | "human" | "ai", string];

/** Models whose structured-output call failed once; they get plain text from then on. */
const structuredOutputBroken = new WeakSet<object>();

/**
 * Whether to call the model through `withStructuredOutput`. LangChain's fake chat models
 * expose the method but cannot honour a schema (they parse their canned text), and a model
 * without `bindTools` only has the base method, which throws; both get plain text.
 */
export function usesStructuredOutput(
  llm: BaseChatModel,
  preference: StructuredOutputPreference,
): boolean {
  if (preference === false || structuredOutputBroken.has(llm)) return false;
  if (typeof llm.withStructuredOutput !== "function") return false;
  if (preference === true) return true;
  let llmType = "";
  try {
    llmType = llm._llmType();
  } catch {
    llmType = "";
  }
  if (/fake/i.test(llmType)) return false;
  return typeof llm.bindTools === "function";
}

/** One model reply: the JSON value found in it (if any) and its text for the transcript. */
interface Reply {
  value: unknown;
  text: string;
}

async function callStructured(
  llm: BaseChatModel,
  turns: ChatTurn[],
  schema: JsonSchema,
  config: RunnableConfig | undefined,
): Promise<Reply> {
  const structured = llm.withStructuredOutput(schema, { includeRaw: true, name: "io_mapping" });
  const result = (await structured.invoke(turns, config)) as { raw?: unknown; parsed?: unknown };
  const raw = result.raw as
    | { content?: unknown; tool_calls?: Array<{ args?: unknown }> }
    | undefined;
  const text = messageText(raw?.content);
  if (result.parsed !== undefined && result.parsed !== null) {
    return { value: result.parsed, text: text || JSON.stringify(result.parsed) };
  }
  const toolArgs = raw?.tool_calls?.[0]?.args;
  if (toolArgs !== undefined) return { value: toolArgs, text: JSON.stringify(toolArgs) };
  return { value: extractJson(text), text };
}

async function callText(
  llm: BaseChatModel,
  turns: ChatTurn[],
  config: RunnableConfig | undefined,
): Promise<Reply> {
  const message = await llm.invoke(turns, config);
  const text = messageText(message.content);
  return { value: extractJson(text), text };
}

/** How {@link requestValidJson} talks to the model and checks what comes back. */
export interface JsonRequest {
  llm: BaseChatModel;
  turns: ChatTurn[];
  /** Schema handed to the model's JSON mode, when it has one. */
  schema: JsonSchema;
  /** Violations of the value; empty when it is acceptable. */
  check: (value: unknown) => SchemaViolation[];
  structuredOutput: StructuredOutputPreference;
  mapperName: string;
  logger: IOMapperLogger;
  config?: RunnableConfig;
}

/**
 * Whether a failed structured call may be the model refusing JSON mode: a request the
 * provider rejected (400, 404, 422) or an error raised before any HTTP call. Auth, rate
 * limit and server errors have nothing to do with it and are passed on.
 */
function aboutStructuredOutput(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status !== "number" || [400, 404, 422].includes(status);
}

async function callOnce(request: JsonRequest, turns: ChatTurn[]): Promise<Reply> {
  const { llm, schema, structuredOutput } = request;
  // A span of its own under the active one, even in a graph run without tracing callbacks.
  const config = await withOpenTelemetry(request.config);
  if (!usesStructuredOutput(llm, structuredOutput)) return callText(llm, turns, config);
  try {
    return await callStructured(llm, turns, schema, config);
  } catch (error) {
    if (config?.signal?.aborted || !aboutStructuredOutput(error)) throw error;
    structuredOutputBroken.add(llm);
    request.logger.warn(
      `I/O mapper "${request.mapperName}": structured output failed (${(error as Error).message}); using plain text replies`,
    );
    return callText(llm, turns, config);
  }
}

/**
 * Asks the model for JSON, checks it, and on a bad reply asks once more with what was
 * wrong. Throws {@link IOMapperResponseError} when no JSON came back and
 * {@link IOMapperValidationError} when the JSON broke the schema twice.
 */
export async function requestValidJson(request: JsonRequest): Promise<unknown> {
  const turns = [...request.turns];
  let reply = await callOnce(request, turns);
  for (let attempt = 0; ; attempt++) {
    const problem =
      reply.value === undefined
        ? { kind: "no-json" as const, text: "it held no JSON object" }
        : { kind: "invalid" as const, violations: request.check(reply.value) };
    if (problem.kind === "invalid" && problem.violations.length === 0) return reply.value;
    if (attempt >= 1) {
      if (problem.kind === "no-json") {
        throw new IOMapperResponseError(
          request.mapperName,
          "the model replied without JSON",
          reply.text,
        );
      }
      throw new IOMapperValidationError(
        request.mapperName,
        "output",
        problem.violations,
        `model reply: ${reply.text.slice(0, 300)}`,
      );
    }
    const description =
      problem.kind === "no-json"
        ? problem.text
        : `it does not follow the output JSON Schema: ${formatViolations(problem.violations)}`;
    turns.push(["ai", reply.text], ["human", retryPrompt(description)]);
    reply = await callOnce(request, turns);
  }
}
