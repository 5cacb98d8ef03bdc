import { createHash } from "node:crypto";
import { ACPDescriptorValidationException } from "../core/errors.js";
import { isRecord } from "../core/json-guards.js";
import { problemsFromZod } from "../manifest/problems.js";
import { AgentACPDescriptor } from "../models/index.js";

/** The namespace of agent ids derived from a name and a version (a UUID v5 namespace). */
const AGENT_ID_NAMESPACE = "6f3c1d2e-8b4a-4f7e-9c1d-2a5b7e9f0c3d";

/**
 * A stable agent id: the UUID v5 of `name:version`, so the same agent keeps its id
 * across restarts and across servers without anyone having to choose one.
 */
export function deriveAgentId(name: string, version: string): string {
  const ns = Buffer.from(AGENT_ID_NAMESPACE.replaceAll("-", ""), "hex");
  const hash = createHash("sha1").update(ns).update(`${name}:${version}`, "utf8").digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const MANIFEST_EXTENSION = "schema.oasf.agntcy.org/features/runtime/manifest";

type Json = Record<string, unknown>;

/**
 * The ACP descriptor of what a server was given: an `AgentACPDescriptor`, an agent
 * manifest that carries `metadata` and `specs` beside its deployment data, or an
 * OASF record whose runtime manifest extension holds the ACP specs.
 */
export function toDescriptor(source: unknown): AgentACPDescriptor {
  const candidate = isRecord(source) ? (fromOasfRecord(source) ?? source) : source;
  const parsed = AgentACPDescriptor.safeParse(candidate);
  if (!parsed.success) {
    // Worded as the manifest tools word them: "metadata.description: is required".
    throw new ACPDescriptorValidationException(problemsFromZod(parsed.error, candidate));
  }
  const { metadata, specs } = parsed.data;
  return { metadata, specs };
}

function fromOasfRecord(record: Json): Json | undefined {
  if (!Array.isArray(record.extensions)) return undefined;
  const extension = record.extensions.find(
    (e): e is Json => isRecord(e) && e.name === MANIFEST_EXTENSION,
  );
  const acp = isRecord(extension?.data) ? extension.data.acp : undefined;
  if (!isRecord(acp)) return undefined;
  return {
    metadata: {
      ref: { name: record.name, version: record.version },
      description: record.description ?? "",
    },
    specs: { output: {}, config: {}, ...acp },
  };
}
