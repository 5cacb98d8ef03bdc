/** Loads the descriptor of an agent from a descriptor file or a manifest file. */

import { ACPDescriptorValidationException } from "../core/errors.js";
import { descriptorFromManifest, validateAgentDescriptor } from "../manifest/index.js";
import { readDocumentFile } from "../manifest/read-document.js";
import type { AgentACPDescriptor } from "../models/agents.js";

/**
 * The valid descriptor in the file at `filePath`. An OASF manifest (one with
 * `extensions`) is turned into its descriptor; anything else is read as a
 * descriptor. Throws `ACPDescriptorValidationException` when it is not valid.
 */
export function loadDescriptorFile(filePath: string): AgentACPDescriptor {
  const doc = readDocumentFile(filePath);
  if (!doc.ok) throw new ACPDescriptorValidationException([doc.problem]);
  const json = doc.value;
  if (json !== null && typeof json === "object" && "extensions" in json) {
    return descriptorFromManifest(json);
  }
  return validateAgentDescriptor(json, true);
}
