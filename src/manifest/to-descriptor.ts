/**
 * The one way from what an agent is described by (a descriptor, an agent
 * manifest or an OASF record) to its ACP descriptor. The server and the `acp`
 * command both come through here, so what one accepts the other accepts too.
 */
import { ACPDescriptorValidationException } from "../core/errors.js";
import { isRecord } from "../core/json-guards.js";
import type { AgentACPDescriptor } from "../models/agents.js";
import { readDocumentFile } from "./read-document.js";
import { validateAgentDescriptor } from "./validate-descriptor.js";
import { descriptorFromManifest, isManifestForm } from "./validate-manifest.js";

/**
 * The ACP descriptor of `source`: an `AgentACPDescriptor`, an agent manifest
 * (`metadata`, `specs`, `deployment`) or an OASF record whose runtime manifest
 * extension holds the ACP specs. Applies the rules of `validateAgentDescriptor`
 * and `validateAgentManifest`; throws `ACPDescriptorValidationException` listing
 * every problem.
 */
export function toAgentDescriptor(source: unknown): AgentACPDescriptor {
  if (isRecord(source) && isManifestForm(source)) return descriptorFromManifest(source);
  const { metadata, specs } = validateAgentDescriptor(source, true);
  return { metadata, specs };
}

/**
 * The ACP descriptor in a JSON (or YAML) file, as {@link toAgentDescriptor}. A
 * file that cannot be read or parsed is an `ACPDescriptorValidationException` too.
 */
export function readAgentDescriptorFile(filePath: string): AgentACPDescriptor {
  const doc = readDocumentFile(filePath);
  if (!doc.ok) throw new ACPDescriptorValidationException([doc.problem]);
  return toAgentDescriptor(doc.value);
}
