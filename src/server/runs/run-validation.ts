import { isRecord } from "../../core/json-guards.js";
import {
  LANGGRAPH_STREAM_KEY,
  LANGGRAPH_STREAM_MODES,
  type LangGraphStreamMode,
} from "../../core/langgraph-stream.js";
import type { RunCreate, StreamingMode } from "../../models/index.js";
import type { RegisteredAgent } from "../agents.js";
import { InvalidRequestError } from "../errors.js";
import { checkJsonLimits, type JsonLimits } from "../json-limits.js";

/** The longest delay a timer can wait (about 24 days), in whole seconds. */
const MAX_AFTER_SECONDS = Math.floor(2 ** 31 / 1000) - 1;

/**
 * Checks a run's values against the server's depth and size limits first (nothing
 * else walks them before that), then its input and config against the agent's JSON
 * Schemas and its webhook,
 * and works out the stream modes to record: the requested ones, each of which the
 * agent must declare, or all the agent declares. `streaming` is true for the
 * operations that answer with a stream, which need at least one mode.
 *
 * The LangGraph stream modes a run asks for (`config.configurable.langgraph_stream_mode`)
 * are checked when its agent streams them, and left out of the agent's config check.
 */
export function validateRunCreate(
  agent: RegisteredAgent,
  body: RunCreate,
  streaming: boolean,
  limits: JsonLimits,
): StreamingMode[] {
  checkJsonLimits({ input: body.input, config: body.config, metadata: body.metadata }, limits);
  if (body.input !== undefined) agent.input.assert(body.input, "input");
  const configurable = body.config?.configurable;
  if (isRecord(configurable)) {
    if (agent.streamLangGraph) checkLangGraphAsk(configurable[LANGGRAPH_STREAM_KEY]);
    agent.config.assert(withoutLangGraphAsk(configurable), "config.configurable");
  } else if (configurable !== undefined) {
    agent.config.assert(configurable, "config.configurable");
  }
  const after = body.after_seconds;
  if (after !== undefined && (after < 0 || after > MAX_AFTER_SECONDS)) {
    throw new InvalidRequestError(
      `after_seconds must be between 0 and ${MAX_AFTER_SECONDS}`,
      "after_seconds",
    );
  }
  if (body.webhook !== undefined && !isHttpUrl(body.webhook)) {
    throw new InvalidRequestError("webhook must be an absolute http or https URL", "webhook");
  }
  const requested =
    body.stream_mode === undefined || body.stream_mode === null
      ? undefined
      : Array.isArray(body.stream_mode)
        ? body.stream_mode
        : [body.stream_mode];
  const declared = agent.streamModes;
  for (const mode of requested ?? []) {
    if (!declared.includes(mode)) {
      throw new InvalidRequestError(
        `stream_mode "${mode}" is not supported by agent ${agent.agentId}: its descriptor declares ${
          declared.length > 0 ? declared.map((m) => `"${m}"`).join(", ") : "no streaming mode"
        } (specs.capabilities.streaming)`,
        "stream_mode",
      );
    }
  }
  const modes = requested ?? declared;
  if (streaming && modes.length === 0) {
    throw new InvalidRequestError(
      `agent ${agent.agentId} does not support streaming: specs.capabilities.streaming declares no mode`,
    );
  }
  return [...new Set(modes)];
}

/** A run's configurable without the key that asks for LangGraph stream modes. */
function withoutLangGraphAsk(configurable: Record<string, unknown>): Record<string, unknown> {
  if (!(LANGGRAPH_STREAM_KEY in configurable)) return configurable;
  const { [LANGGRAPH_STREAM_KEY]: _ask, ...rest } = configurable;
  return rest;
}

const ASK_PATH = `config.configurable.${LANGGRAPH_STREAM_KEY}`;

/** Refuses an ask that is not an array of LangGraph stream modes, naming the field. */
function checkLangGraphAsk(ask: unknown): void {
  if (ask === undefined) return;
  const known = LANGGRAPH_STREAM_MODES.map((m) => `"${m}"`).join(", ");
  if (!Array.isArray(ask)) {
    throw new InvalidRequestError(`${ASK_PATH} must be an array of ${known}`, ASK_PATH);
  }
  ask.forEach((mode, i) => {
    if (!LANGGRAPH_STREAM_MODES.includes(mode as LangGraphStreamMode)) {
      throw new InvalidRequestError(
        `${ASK_PATH}[${i}] must be one of ${known}, not ${JSON.stringify(mode)}`,
        `${ASK_PATH}[${i}]`,
      );
    }
  });
}

/**
 * The LangGraph stream modes a run asks for (checked when it was created); none for an
 * agent that does not stream them.
 */
export function langGraphAskOf(
  config: RunCreate["config"],
  streamLangGraph: boolean,
): LangGraphStreamMode[] {
  const ask =
    streamLangGraph && isRecord(config?.configurable)
      ? config.configurable[LANGGRAPH_STREAM_KEY]
      : undefined;
  if (!Array.isArray(ask)) return [];
  return LANGGRAPH_STREAM_MODES.filter((m) => ask.includes(m));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
