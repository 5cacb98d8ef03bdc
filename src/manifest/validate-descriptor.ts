/** Validation of ACP agent descriptors: their shape, then the protocol's rules. */
import { ACPDescriptorValidationException, type DescriptorProblem } from "../core/errors.js";
import { AgentACPDescriptor } from "../models/agents.js";
import { checkSpecRules } from "./descriptor-rules.js";
import { problemsFromZod, type ValidationResult } from "./problems.js";
import { type ParsedDocument, parseDocumentText, readDocumentFile } from "./read-document.js";

/** Turns a list of problems and a value into a verdict, or throws when asked to. */
export function verdict<T>(
  problems: DescriptorProblem[],
  value: T | undefined,
  raiseException: boolean,
): T | ValidationResult<T> {
  if (problems.length > 0 || value === undefined) {
    if (raiseException) throw new ACPDescriptorValidationException(problems);
    return { valid: false, problems };
  }
  return raiseException ? value : { valid: true, value, problems: [] };
}

/** The problems of a descriptor, and its parse when it has none. */
function checkDescriptor(json: unknown): {
  problems: DescriptorProblem[];
  value?: AgentACPDescriptor;
} {
  const parsed = AgentACPDescriptor.safeParse(json);
  const problems = parsed.success ? [] : problemsFromZod(parsed.error, json);
  const specs = (json as { specs?: unknown } | null)?.specs;
  problems.push(...checkSpecRules(specs, ["specs"]));
  return problems.length === 0 && parsed.success ? { problems, value: parsed.data } : { problems };
}

function fromParsed(doc: ParsedDocument, raiseException: boolean) {
  if (!doc.ok) return verdict<AgentACPDescriptor>([doc.problem], undefined, raiseException);
  const { problems, value } = checkDescriptor(doc.value);
  return verdict(problems, value, raiseException);
}

/**
 * Validates an ACP agent descriptor: its structure against the specification's
 * `AgentACPDescriptor`, then the rules that tie specs to capabilities
 * (`thread_state` only with threads, interrupts if and only if
 * `capabilities.interrupts`, `custom_streaming_update` if and only if custom
 * streaming) and that every embedded schema is a valid JSON Schema.
 *
 * `json` is the parsed document, or its JSON text. With `raiseException`, returns
 * the descriptor or throws `ACPDescriptorValidationException` listing every
 * problem; without it, returns a {@link ValidationResult}.
 */
export function validateAgentDescriptor(json: unknown, raiseException: true): AgentACPDescriptor;
export function validateAgentDescriptor(
  json: unknown,
  raiseException?: false,
): ValidationResult<AgentACPDescriptor>;
export function validateAgentDescriptor(
  json: unknown,
  raiseException?: boolean,
): AgentACPDescriptor | ValidationResult<AgentACPDescriptor>;
export function validateAgentDescriptor(json: unknown, raiseException = false) {
  const doc: ParsedDocument =
    typeof json === "string" ? parseDocumentText(json) : { ok: true, value: json };
  return fromParsed(doc, raiseException);
}

/**
 * Validates the descriptor in a JSON (or YAML) file, as {@link validateAgentDescriptor}.
 * A file that cannot be read throws `DocumentReadError` whatever `raiseException` says.
 */
export function validateAgentDescriptorFile(
  filePath: string,
  raiseException: true,
): AgentACPDescriptor;
export function validateAgentDescriptorFile(
  filePath: string,
  raiseException?: false,
): ValidationResult<AgentACPDescriptor>;
export function validateAgentDescriptorFile(
  filePath: string,
  raiseException?: boolean,
): AgentACPDescriptor | ValidationResult<AgentACPDescriptor>;
export function validateAgentDescriptorFile(filePath: string, raiseException = false) {
  return fromParsed(readDocumentFile(filePath), raiseException);
}
