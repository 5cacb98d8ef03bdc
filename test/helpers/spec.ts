import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Where the official ACP specification is: `ACP_SPEC_PATH`, or beside the project. */
export const specPath =
  process.env.ACP_SPEC_PATH ?? resolve(projectRoot, "../shared/acp-spec/openapi.json");

/** Where the sample descriptors and manifests are. */
export const samplesDir = resolve(dirname(specPath), "../samples");

/** True when the specification file is there; the conformance suites skip otherwise. */
export const specAvailable = existsSync(specPath);

if (!specAvailable) {
  console.warn(`conformance: ACP specification not found at ${specPath}; skipping`);
}

// biome-ignore lint/suspicious/noExplicitAny: the specification is untyped JSON
export type Json = any;

/** The parsed specification (only call when {@link specAvailable}). */
export function loadSpec(): Json {
  return JSON.parse(readFileSync(specPath, "utf8"));
}
