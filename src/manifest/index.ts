/**
 * `agntcy-acp/manifest`: validate ACP agent descriptors and manifests, and
 * generate per-agent zod models and OpenAPI documents from them.
 */
export { ACPDescriptorValidationException, type DescriptorProblem } from "../core/errors.js";
export { acpSpec } from "./acp-spec.js";
export { generateAgentModels } from "./generate-models.js";
export { generateAgentOapi, type OpenApiDocument } from "./generate-oapi.js";
export * from "./manifest-models.js";
export type { ValidationResult } from "./problems.js";
export { DocumentReadError } from "./read-document.js";
export { readAgentDescriptorFile, toAgentDescriptor } from "./to-descriptor.js";
export { validateAgentDescriptor, validateAgentDescriptorFile } from "./validate-descriptor.js";
export {
  descriptorFromManifest,
  type ValidAgentManifest,
  validateAgentManifest,
  validateAgentManifestFile,
} from "./validate-manifest.js";
