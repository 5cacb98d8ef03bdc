/**
 * Validation of agent manifests, in either form: the Agent Manifest definition
 * (`metadata`, `specs`, `deployment`) or the OASF record, whose runtime manifest
 * extension holds `acp` and `deployment`.
 */
import type { DescriptorProblem } from "../core/errors.js";
import type { AgentACPDescriptor } from "../models/agents.js";
import { checkSpecRules } from "./descriptor-rules.js";
import {
  AgentManifest,
  OasfAgentRecord,
  RUNTIME_MANIFEST_EXTENSION,
  RuntimeManifestData,
} from "./manifest-models.js";
import { problem, problemsFromZod, type ValidationResult } from "./problems.js";
import { type ParsedDocument, parseDocumentText, readDocumentFile } from "./read-document.js";
import { verdict } from "./validate-descriptor.js";

/** A valid manifest, in the form it was written in. */
export type ValidAgentManifest = AgentManifest | OasfAgentRecord;

/** The OASF form is told apart by its extensions, or by a top-level name without metadata. */
const isRecordForm = (json: object): boolean =>
  "extensions" in json || ("name" in json && !("metadata" in json));

/** A manifest rather than a bare descriptor: an OASF record, or one that says how to deploy. */
export const isManifestForm = (json: object): boolean => isRecordForm(json) || "deployment" in json;

function findRuntimeExtension(extensions: unknown): number {
  if (!Array.isArray(extensions)) return -1;
  return extensions.findIndex(
    (e) => e !== null && typeof e === "object" && e.name === RUNTIME_MANIFEST_EXTENSION,
  );
}

function checkRecord(json: unknown): { problems: DescriptorProblem[]; value?: OasfAgentRecord } {
  const parsed = OasfAgentRecord.safeParse(json);
  const problems = parsed.success ? [] : problemsFromZod(parsed.error, json);
  const extensions = (json as { extensions?: unknown }).extensions;
  const index = findRuntimeExtension(extensions);
  if (index < 0) {
    if (Array.isArray(extensions)) {
      problems.push(
        problem(
          ["extensions"],
          `has no runtime manifest extension (${RUNTIME_MANIFEST_EXTENSION})`,
        ),
      );
    }
    return { problems };
  }
  const at = ["extensions", index, "data"];
  const data = (extensions as { data?: unknown }[])[index]?.data;
  const ext = RuntimeManifestData.safeParse(data);
  if (!ext.success) problems.push(...problemsFromZod(ext.error, data, at));
  problems.push(...checkSpecRules((data as { acp?: unknown } | null)?.acp, [...at, "acp"]));
  return problems.length === 0 && parsed.success ? { problems, value: parsed.data } : { problems };
}

function checkManifest(json: unknown): { problems: DescriptorProblem[]; value?: AgentManifest } {
  const parsed = AgentManifest.safeParse(json);
  const problems = parsed.success ? [] : problemsFromZod(parsed.error, json);
  problems.push(...checkSpecRules((json as { specs?: unknown }).specs, ["specs"]));
  return problems.length === 0 && parsed.success ? { problems, value: parsed.data } : { problems };
}

function fromParsed(doc: ParsedDocument, raiseException: boolean) {
  if (!doc.ok) return verdict<ValidAgentManifest>([doc.problem], undefined, raiseException);
  const json = doc.value;
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return verdict<ValidAgentManifest>(
      [problem([], "is not an agent manifest: expected a JSON object")],
      undefined,
      raiseException,
    );
  }
  const { problems, value } = isRecordForm(json) ? checkRecord(json) : checkManifest(json);
  return verdict<ValidAgentManifest>(problems, value, raiseException);
}

/**
 * Validates an agent manifest: its structure (the Agent Manifest definition, or
 * an OASF record with the runtime manifest extension), then the same rules as
 * `validateAgentDescriptor` for its ACP specs.
 *
 * `json` is the parsed document, or its JSON text. With `raiseException`, returns
 * the manifest or throws `ACPDescriptorValidationException` listing every
 * problem; without it, returns a {@link ValidationResult}.
 */
export function validateAgentManifest(json: unknown, raiseException: true): ValidAgentManifest;
export function validateAgentManifest(
  json: unknown,
  raiseException?: false,
): ValidationResult<ValidAgentManifest>;
export function validateAgentManifest(
  json: unknown,
  raiseException?: boolean,
): ValidAgentManifest | ValidationResult<ValidAgentManifest>;
export function validateAgentManifest(json: unknown, raiseException = false) {
  const doc: ParsedDocument =
    typeof json === "string" ? parseDocumentText(json) : { ok: true, value: json };
  return fromParsed(doc, raiseException);
}

/**
 * Validates the manifest in a JSON (or YAML) file, as {@link validateAgentManifest}.
 * A file that cannot be read throws `DocumentReadError` whatever `raiseException` says.
 */
export function validateAgentManifestFile(
  filePath: string,
  raiseException: true,
): ValidAgentManifest;
export function validateAgentManifestFile(
  filePath: string,
  raiseException?: false,
): ValidationResult<ValidAgentManifest>;
export function validateAgentManifestFile(
  filePath: string,
  raiseException?: boolean,
): ValidAgentManifest | ValidationResult<ValidAgentManifest>;
export function validateAgentManifestFile(filePath: string, raiseException = false) {
  return fromParsed(readDocumentFile(filePath), raiseException);
}

/**
 * The ACP descriptor an agent manifest describes: its identity as `metadata`,
 * its ACP specs as `specs`. Validates the manifest first and throws
 * `ACPDescriptorValidationException` when it is not valid.
 */
export function descriptorFromManifest(manifest: unknown): AgentACPDescriptor {
  const valid = validateAgentManifest(manifest, true);
  if (!isRecordForm(valid)) {
    const { metadata, specs } = valid as AgentManifest;
    return { metadata, specs };
  }
  const record = valid as OasfAgentRecord;
  const ext = record.extensions[findRuntimeExtension(record.extensions)];
  const data = RuntimeManifestData.parse(ext?.data);
  return {
    metadata: {
      ref: { name: record.name, version: record.version },
      description: record.description,
    },
    specs: data.acp,
  };
}
