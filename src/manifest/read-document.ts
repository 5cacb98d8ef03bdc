/**
 * Reads descriptor and manifest documents from text or files. JSON is the
 * protocol's format; YAML files (`.yaml`, `.yml`) are read too, since manifests
 * are often written by hand.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { OpenApiException } from "../core/errors.js";
import type { DescriptorProblem } from "./problems.js";
import { problem } from "./problems.js";

/** A document file could not be read (missing, unreadable): not a validation verdict. */
export class DocumentReadError extends OpenApiException {
  override name = "DocumentReadError";
  constructor(
    readonly filePath: string,
    reason: string,
  ) {
    super(`cannot read ${filePath}: ${reason}`);
  }
}

/** A parsed document, or the problem that kept it from being parsed. */
export type ParsedDocument =
  | { ok: true; value: unknown }
  | { ok: false; problem: DescriptorProblem };

/** Parses JSON text (or YAML text when `yaml` is set). */
export function parseDocumentText(text: string, yaml = false): ParsedDocument {
  try {
    return { ok: true, value: yaml ? parseYaml(text) : JSON.parse(text) };
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return { ok: false, problem: problem([], `is not valid ${yaml ? "YAML" : "JSON"}: ${why}`) };
  }
}

/** Reads and parses a document file; throws {@link DocumentReadError} when it cannot be read. */
export function readDocumentFile(filePath: string): ParsedDocument {
  let text: string;
  try {
    text = readFileSync(filePath, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DocumentReadError(
      filePath,
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : String(code ?? err),
    );
  }
  return parseDocumentText(text, [".yaml", ".yml"].includes(extname(filePath).toLowerCase()));
}
