/**
 * The input and output types an agent card implies. A2A cards carry no JSON Schema of
 * their own; a card may carry them in the extension {@link A2A_JSON_SCHEMA_EXTENSION}
 * (whole-agent `input`/`output`, or per skill under `skills.<id>`), and otherwise a
 * skill that takes or gives only text implies a string.
 */
import type { AgentCard, AgentSkill } from "@a2a-js/sdk";
import { isPlainRecord } from "../../core/json-guards.js";

/**
 * The URI of the card extension whose `params` hold JSON Schemas of what the agent
 * takes and gives: `{ input?, output?, skills?: { "<skill id>": { input?, output? } } }`.
 */
export const A2A_JSON_SCHEMA_EXTENSION = "urn:agntcy-acp:a2a:json-schema:v1";

/** A JSON Schema as plain data. */
export type CardJsonSchema = Record<string, unknown>;

/** The skill the node calls: the one named, else the card's only skill. */
export function chosenSkill(card: AgentCard, skillId: string | undefined): AgentSkill | undefined {
  if (skillId === undefined) return card.skills?.length === 1 ? card.skills[0] : undefined;
  return card.skills?.find((skill) => skill.id === skillId);
}

function extensionSchema(
  card: AgentCard,
  skillId: string | undefined,
  side: "input" | "output",
): CardJsonSchema | undefined {
  const extension = card.capabilities?.extensions?.find(
    (ext) => ext.uri === A2A_JSON_SCHEMA_EXTENSION,
  );
  const params: unknown = extension?.params;
  if (!isPlainRecord(params)) return undefined;
  const skills = params.skills;
  if (skillId !== undefined && isPlainRecord(skills)) {
    const own = skills[skillId];
    if (isPlainRecord(own) && isPlainRecord(own[side])) return own[side];
  }
  const whole = params[side];
  return isPlainRecord(whole) ? whole : undefined;
}

function textOnly(modes: readonly string[] | undefined): boolean {
  if (!modes || modes.length === 0) return false;
  return modes.every((mode) => mode === "text" || mode.startsWith("text/"));
}

/**
 * The JSON Schema of the input (or output) the card implies for a skill, or
 * undefined when it implies nothing.
 */
export function cardSchema(
  card: AgentCard,
  skillId: string | undefined,
  side: "input" | "output",
): CardJsonSchema | undefined {
  const skill = chosenSkill(card, skillId);
  const fromExtension = extensionSchema(card, skill?.id ?? skillId, side);
  if (fromExtension) return fromExtension;
  const skillModes = side === "input" ? skill?.inputModes : skill?.outputModes;
  const modes = skillModes?.length
    ? skillModes
    : side === "input"
      ? card.defaultInputModes
      : card.defaultOutputModes;
  return textOnly(modes) ? { type: "string" } : undefined;
}
