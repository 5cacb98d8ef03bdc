import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The ACP specification the tests hold the project to: the repository's own copy,
 * or the file `ACP_SPEC_PATH` names.
 */
export const specPath =
  process.env.ACP_SPEC_PATH ?? resolve(projectRoot, "spec/acp-0.2.3/openapi.json");

/** The agent manifest schema of the same specification. */
export const manifestSchemaPath = resolve(projectRoot, "spec/acp-0.2.3/manifest-openapi.yaml");

/** The sample descriptors and manifests (`descriptors/`, `manifests/`). */
export const samplesDir = resolve(projectRoot, "test/fixtures");

if (!existsSync(specPath)) {
  throw new Error(
    `the ACP specification is not at ${specPath}${process.env.ACP_SPEC_PATH ? " (ACP_SPEC_PATH)" : ""}`,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: the specification is untyped JSON
export type Json = any;

/** The parsed specification. */
export function loadSpec(): Json {
  return JSON.parse(readFileSync(specPath, "utf8"));
}
