/**
 * Scripted answers to the I/O mapper's prompts, for the offline model. They read the
 * input data and the output JSON Schema out of the prompt and fill each output field
 * from the input field whose name (or the output field's description) matches it best.
 * These are deterministic rules written for the examples, not a language model: they
 * handle the schemas the examples use, and say so when a prompt is beyond them.
 */
import type { BaseMessage } from "@langchain/core/messages";
import { DEFAULT_COMPILE_SYSTEM_PROMPT, DEFAULT_SYSTEM_PROMPT } from "agntcy-acp/langgraph";
import { type ScriptRule, systemText } from "./scripted-model.js";

type Json = Record<string, unknown>;

/** One value of the input data, with where it is. */
interface Leaf {
  path: string[];
  value: unknown;
}

/** One field the output schema asks for, with where it goes. */
interface Slot {
  path: string[];
  schema: Json;
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The JSON document printed in the prompt between `label` and the next blank line. */
function section(prompt: string, label: string): unknown {
  const start = prompt.indexOf(`${label}\n`);
  if (start < 0) throw new Error(`the scripted mapper found no "${label}" in the prompt`);
  const rest = prompt.slice(start + label.length + 1);
  const end = rest.indexOf("\n\n");
  return JSON.parse(end < 0 ? rest : rest.slice(0, end));
}

function leavesOf(value: unknown, path: string[] = []): Leaf[] {
  if (!isObject(value)) return [{ path, value }];
  return Object.entries(value).flatMap(([key, inner]) => leavesOf(inner, [...path, key]));
}

/** The schema without a nullable `anyOf` wrapper, so a `string | null` field reads as a string. */
function unwrap(schema: Json): Json {
  const branches = Array.isArray(schema.anyOf) ? schema.anyOf.filter(isObject) : [];
  const real = branches.filter((b) => b.type !== "null");
  return real.length === 1 && real[0] ? { ...schema, ...real[0] } : schema;
}

function slotsOf(schema: Json, path: string[] = []): Slot[] {
  const plain = unwrap(schema);
  if (isObject(plain.properties)) {
    return Object.entries(plain.properties).flatMap(([key, inner]) =>
      isObject(inner) ? slotsOf(inner, [...path, key]) : [],
    );
  }
  return [{ path, schema: plain }];
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value === "number" ? "number" : typeof value;
}

function fits(schema: Json, value: unknown): boolean {
  if (Array.isArray(schema.enum)) return schema.enum.includes(value);
  const type = schema.type === "integer" ? "number" : schema.type;
  return typeof type !== "string" || type === jsonType(value);
}

/** How well an input field stands for an output field: 0 not at all, 3 same name. */
function score(slot: Slot, leaf: Leaf): number {
  if (!fits(slot.schema, leaf.value)) return 0;
  const want = slot.path.at(-1)?.toLowerCase() ?? "";
  const have = leaf.path.at(-1)?.toLowerCase() ?? "";
  if (want === have) return 3;
  if (have.endsWith(`_${want}`) || have.startsWith(`${want}_`)) return 2;
  const description = String(slot.schema.description ?? "").toLowerCase();
  if (have.length > 0 && description.includes(have.replaceAll("_", " "))) return 1;
  if (Array.isArray(slot.schema.enum)) return 1;
  return 0;
}

function bestLeaf(slot: Slot, leaves: readonly Leaf[]): Leaf | undefined {
  let best: Leaf | undefined;
  let bestScore = 0;
  for (const leaf of leaves) {
    const s = score(slot, leaf);
    if (s > bestScore) [best, bestScore] = [leaf, s];
  }
  return best;
}

const ADDRESS = /^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$/;

/**
 * A request in plain words for a natural-language API, when the output is a query the
 * input has no field for: it asks to send the longest text to the address found.
 */
function sendRequest(leaves: readonly Leaf[]): string | undefined {
  const texts = leaves.filter((l): l is { path: string[]; value: string } => {
    return typeof l.value === "string";
  });
  const to = texts.find((l) => ADDRESS.test(l.value))?.value;
  const body = texts
    .filter((l) => !ADDRESS.test(l.value))
    .sort((a, b) => b.value.length - a.value.length)[0]?.value;
  if (!to || !body) return undefined;
  const subject = /^Subject:\s*(.+)$/m.exec(body)?.[1];
  const text = body.replace(/^Subject:.*\n+/m, "");
  return `Send an email to ${to}${subject ? ` with the subject "${subject}"` : ""} and this body:\n${text}`;
}

function setPath(target: Json, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Json;
  }
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}

function unanswerable(slot: Slot): never {
  throw new Error(`the scripted mapper cannot fill "${slot.path.join(".")}"`);
}

/** Answers the data-mapping prompt: the output data itself. */
function mapData(prompt: string): string {
  const leaves = leavesOf(section(prompt, "Input data:"));
  const out: Json = {};
  for (const slot of slotsOf(section(prompt, "Output JSON Schema:") as Json)) {
    const leaf = bestLeaf(slot, leaves);
    const enumValues = Array.isArray(slot.schema.enum) ? slot.schema.enum : undefined;
    const value =
      leaf?.value ??
      enumValues?.[0] ??
      (slot.schema.type === "string" ? sendRequest(leaves) : undefined);
    if (value === undefined) unanswerable(slot);
    setPath(out, slot.path, value);
  }
  return JSON.stringify(out);
}

/** Answers the compile prompt: JSONPaths into the input, or constants. */
function writeMapping(prompt: string): string {
  const leaves = leavesOf(section(prompt, "Sample input data:"));
  const fieldMapping: Json = {};
  for (const slot of slotsOf(section(prompt, "Output JSON Schema:") as Json)) {
    const leaf = bestLeaf(slot, leaves);
    const enumValues = Array.isArray(slot.schema.enum) ? slot.schema.enum : undefined;
    if (leaf) fieldMapping[slot.path.join(".")] = `$.${leaf.path.join(".")}`;
    else if (enumValues) fieldMapping[slot.path.join(".")] = { value: enumValues[0] };
    else unanswerable(slot);
  }
  return JSON.stringify({ fieldMapping });
}

const firstHuman = (messages: readonly BaseMessage[]) =>
  messages.find((m) => m.getType() === "human")?.text ?? "";

/** The rule for the I/O mapper's data prompt. */
export const mapperDataRule: ScriptRule = {
  name: "io_mapper",
  when: (m) => systemText(m) === DEFAULT_SYSTEM_PROMPT,
  reply: (m) => mapData(firstHuman(m)),
};

/** The rule for the I/O mapper's compile prompt (compiled mode). */
export const mapperCompileRule: ScriptRule = {
  name: "io_mapper_compile",
  when: (m) => systemText(m) === DEFAULT_COMPILE_SYSTEM_PROMPT,
  reply: (m) => writeMapping(firstHuman(m)),
};
