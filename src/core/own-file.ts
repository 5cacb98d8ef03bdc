import { fileURLToPath } from "node:url";

/**
 * A file of this package as it runs: this module's, in the sources, the ESM build or
 * the CommonJS build. What the package looks up beside itself (its built page, its
 * optional dependencies) is found from here.
 */
export function ownFile(): string {
  return typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
}
