/**
 * Generates the OpenAPI document of one agent: the ACP specification with the
 * agent's own schemas in place of the generic ones, and only the routes its
 * capabilities allow.
 */
import type { AgentACPDescriptor } from "../models/agents.js";
import { acpSpec } from "./acp-spec.js";
import { pascalCase, uniqueNamer } from "./names.js";
import {
  dropOperations,
  dropVariant,
  type Json,
  placeSchema,
  pruneSchemas,
  refTo,
  schemasOf,
} from "./oapi-edit.js";
import { validateAgentDescriptor } from "./validate-descriptor.js";

/** An OpenAPI 3.1 document, as plain JSON. */
export type OpenApiDocument = Record<string, unknown>;

const runOutputStreamData = (doc: Json) =>
  ((schemasOf(doc).RunOutputStream as Json).properties as Json).data as Json;

function specialiseThreads(doc: Json, descriptor: AgentACPDescriptor): void {
  const { specs } = descriptor;
  if (specs.capabilities.threads === true) {
    if (specs.thread_state !== undefined) placeSchema(doc, "ThreadStateSchema", specs.thread_state);
    return;
  }
  dropOperations(doc, (path) => path.startsWith("/threads"));
  doc.tags = (doc.tags as Json[]).filter((t) => t.name !== "Threads" && t.name !== "Thread Runs");
}

/** One component per interrupt type, joined under the generic payload schema's name. */
function placeInterruptSchemas(
  doc: Json,
  generic: "InterruptPayloadSchema" | "ResumePayloadSchema",
  named: { name: string; schema: unknown }[],
): void {
  const schemas = schemasOf(doc);
  const { title, description } = schemas[generic] as Json;
  for (const { name, schema } of named) placeSchema(doc, name, schema);
  const refs = named.map(({ name }) => refTo(name));
  // anyOf, not oneOf: a payload may fit more than one interrupt type's schema.
  schemas[generic] = refs.length === 1 ? refs[0] : { title, description, anyOf: refs };
}

function specialiseInterrupts(doc: Json, descriptor: AgentACPDescriptor): void {
  const interrupts = descriptor.specs.interrupts ?? [];
  if (descriptor.specs.capabilities.interrupts === true && interrupts.length > 0) {
    const name = uniqueNamer();
    for (const taken of Object.keys(schemasOf(doc))) name(taken);
    const named = interrupts.map((i) => ({ base: pascalCase(i.interrupt_type), i }));
    placeInterruptSchemas(
      doc,
      "InterruptPayloadSchema",
      named.map(({ base, i }) => ({
        name: name(`${base}InterruptPayload`),
        schema: i.interrupt_payload,
      })),
    );
    placeInterruptSchemas(
      doc,
      "ResumePayloadSchema",
      named.map(({ base, i }) => ({
        name: name(`${base}ResumePayload`),
        schema: i.resume_payload,
      })),
    );
    return;
  }
  const resumes = new Set(["/runs/{run_id}", "/threads/{thread_id}/runs/{run_id}"]);
  dropOperations(doc, (path, method) => method === "post" && resumes.has(path));
  dropVariant(schemasOf(doc).RunOutput as Json, "RunInterrupt");
  dropVariant(runOutputStreamData(doc), "ValueRunInterruptUpdate");
}

function specialiseStreaming(doc: Json, descriptor: AgentACPDescriptor): void {
  const { streaming } = descriptor.specs.capabilities;
  const modes = (["values", "custom"] as const).filter((m) => streaming?.[m] === true);
  const schemas = schemasOf(doc);
  if (modes.length === 0) {
    dropOperations(doc, (path) => path.endsWith("/stream"));
    delete ((schemas.RunCreate as Json).properties as Json).stream_mode;
    return;
  }
  (schemas.StreamingMode as Json).enum = modes;
  if (streaming?.values !== true) dropVariant(runOutputStreamData(doc), "ValueRunResultUpdate");
  if (streaming?.custom === true) {
    placeSchema(doc, "StreamUpdateSchema", descriptor.specs.custom_streaming_update);
  } else {
    dropVariant(runOutputStreamData(doc), "CustomRunResultUpdate");
  }
}

/**
 * The ACP OpenAPI document specialised to the agent of `descriptor`: its input,
 * output, config, thread state, custom streaming update and interrupt schemas in
 * place of the generic `InputSchema`, `OutputSchema`, `ConfigSchema`,
 * `ThreadStateSchema`, `StreamUpdateSchema`, `InterruptPayloadSchema` and
 * `ResumePayloadSchema`; thread routes only with `capabilities.threads`; the
 * resume routes and interrupt schemas only with interrupts; streaming routes and
 * modes as the capabilities declare. Components nothing refers to are removed.
 *
 * The descriptor is validated first; an invalid one throws
 * `ACPDescriptorValidationException`.
 */
export function generateAgentOapi(descriptor: unknown): OpenApiDocument {
  const valid = validateAgentDescriptor(descriptor, true);
  const doc = structuredClone(acpSpec) as Json;
  const { ref, description } = valid.metadata;
  doc.info = {
    ...(doc.info as Json),
    title: `Agent Connect Protocol: ${ref.name} ${ref.version}`,
    description,
  };
  placeSchema(doc, "InputSchema", valid.specs.input);
  placeSchema(doc, "OutputSchema", valid.specs.output);
  placeSchema(doc, "ConfigSchema", valid.specs.config);
  specialiseThreads(doc, valid);
  specialiseInterrupts(doc, valid);
  specialiseStreaming(doc, valid);
  pruneSchemas(doc);
  return doc;
}
