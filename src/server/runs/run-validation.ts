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
  if (configurable !== undefined) agent.config.assert(configurable, "config.configurable");
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

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
