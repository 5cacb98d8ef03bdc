import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import {
  ACPDescriptorValidationException,
  acpSpec,
  descriptorFromManifest,
  generateAgentOapi,
} from "../../src/manifest/index.js";
import type { AgentACPDescriptor } from "../../src/models/index.js";
import { type Json, samplesDir } from "../helpers/spec.js";

function base(
  capabilities: AgentACPDescriptor["specs"]["capabilities"],
  specs: Partial<AgentACPDescriptor["specs"]> = {},
): AgentACPDescriptor {
  return {
    metadata: { ref: { name: "t.agent", version: "2.0.0" }, description: "a test agent" },
    specs: {
      capabilities,
      input: {
        type: "object",
        properties: { q: { $ref: "#/$defs/Q" } },
        $defs: { Q: { type: "string" } },
      },
      output: { type: "object", properties: { a: { type: "string" } } },
      config: { type: "object" },
      ...specs,
    },
  };
}

const interrupt = (type: string) => ({
  interrupt_type: type,
  interrupt_payload: { type: "object", properties: { question: { type: "string" } } },
  resume_payload: { type: "object", properties: { answer: { type: "string" } } },
});

const operationIds = (doc: Json): string[] =>
  Object.values<Json>(doc.paths).flatMap((item) =>
    Object.values<Json>(item).map((op) => op.operationId as string),
  );

const variants = (schema: Json): string[] =>
  (schema.oneOf as Json[]).map((v) => String(v.$ref).split("/").pop() as string);

async function assertValid(doc: unknown): Promise<void> {
  await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
}

function samples(): [string, unknown][] {
  const read = (dir: string, f: string) =>
    JSON.parse(readFileSync(join(samplesDir, dir, f), "utf8"));
  return [
    ...readdirSync(join(samplesDir, "descriptors"))
      .filter((f) => f.includes("_ok"))
      .map((f): [string, unknown] => [f, read("descriptors", f)]),
    ...readdirSync(join(samplesDir, "manifests")).map((f): [string, unknown] => [
      f,
      descriptorFromManifest(read("manifests", f)),
    ]),
  ];
}

describe("generateAgentOapi", () => {
  it.each(samples())("%s gives a valid OpenAPI document", async (_file, descriptor) => {
    await assertValid(generateAgentOapi(descriptor));
  });

  it("the validity check is not vacuous: a broken reference fails it", async () => {
    const doc = generateAgentOapi(base({})) as Json;
    doc.components.schemas.OutputSchema = { $ref: "#/components/schemas/Nowhere" };
    await expect(SwaggerParser.validate(doc)).rejects.toThrow(/Nowhere/);
  });

  it("puts the agent's schemas in place of the generic ones, with their $defs reachable", async () => {
    const d = base({});
    const doc = generateAgentOapi(d) as Json;
    const schemas = doc.components.schemas;
    expect(schemas.OutputSchema).toEqual(d.specs.output);
    expect(schemas.ConfigSchema).toEqual(d.specs.config);
    expect(schemas.InputSchema.properties.q.$ref).toBe("#/components/schemas/InputSchema/$defs/Q");
    const deref = (await SwaggerParser.dereference(structuredClone(doc) as never)) as Json;
    expect(deref.components.schemas.InputSchema.properties.q).toEqual({ type: "string" });
    expect(doc.info.title).toBe("Agent Connect Protocol: t.agent 2.0.0");
    expect(doc.info.description).toBe("a test agent");
  });

  it("leaves the shipped specification unchanged", () => {
    const before = JSON.stringify(acpSpec);
    generateAgentOapi(base({ threads: true, interrupts: true }, { interrupts: [interrupt("a")] }));
    expect(JSON.stringify(acpSpec)).toBe(before);
  });

  it("removes thread routes, tags and schemas without threads", async () => {
    const doc = generateAgentOapi(base({})) as Json;
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/threads"))).toEqual([]);
    expect(doc.tags.map((t: Json) => t.name)).toEqual(["Agents", "Stateless Runs"]);
    expect(doc.components.schemas.Thread).toBeUndefined();
    expect(doc.components.schemas.ThreadStateSchema).toBeUndefined();
    await assertValid(doc);
  });

  it("keeps thread routes with threads, with the agent's thread state", () => {
    const threadState = { type: "object", properties: { s: { type: "string" } } };
    const doc = generateAgentOapi(base({ threads: true }, { thread_state: threadState })) as Json;
    expect(operationIds(doc)).toEqual(
      expect.arrayContaining(["create_thread", "create_thread_run", "get_thread_history"]),
    );
    expect(doc.components.schemas.ThreadStateSchema).toEqual(threadState);
  });

  it("has resume routes and per-interrupt schemas only with interrupts", async () => {
    const without = generateAgentOapi(base({ threads: true })) as Json;
    expect(operationIds(without)).not.toContain("resume_stateless_run");
    expect(operationIds(without)).not.toContain("resume_thread_run");
    expect(operationIds(without)).toContain("get_stateless_run");
    expect(variants(without.components.schemas.RunOutput)).toEqual(["RunResult", "RunError"]);
    expect(without.components.schemas.RunOutput.discriminator.mapping.interrupt).toBeUndefined();
    expect(without.components.schemas.InterruptPayloadSchema).toBeUndefined();

    const d = base(
      { threads: true, interrupts: true },
      { interrupts: [interrupt("ask_user"), interrupt("approve")] },
    );
    const doc = generateAgentOapi(d) as Json;
    expect(operationIds(doc)).toEqual(
      expect.arrayContaining(["resume_stateless_run", "resume_thread_run"]),
    );
    const schemas = doc.components.schemas;
    expect(schemas.InterruptPayloadSchema.anyOf).toEqual([
      { $ref: "#/components/schemas/AskUserInterruptPayload" },
      { $ref: "#/components/schemas/ApproveInterruptPayload" },
    ]);
    expect(schemas.ResumePayloadSchema.anyOf).toHaveLength(2);
    expect(schemas.ApproveResumePayload).toEqual(interrupt("approve").resume_payload);
    await assertValid(doc);
  });

  it("drops streaming routes and stream_mode without streaming", async () => {
    const doc = generateAgentOapi(base({})) as Json;
    expect(Object.keys(doc.paths).filter((p) => p.endsWith("/stream"))).toEqual([]);
    expect(doc.components.schemas.RunCreate.properties.stream_mode).toBeUndefined();
    expect(doc.components.schemas.RunOutputStream).toBeUndefined();
    await assertValid(doc);
  });

  it("narrows streaming to the declared mode", async () => {
    const custom = { type: "object", properties: { step: { type: "integer" } } };
    const doc = generateAgentOapi(
      base({ streaming: { custom: true } }, { custom_streaming_update: custom }),
    ) as Json;
    const schemas = doc.components.schemas;
    expect(operationIds(doc)).toContain("create_and_stream_stateless_run_output");
    expect(schemas.StreamingMode.enum).toEqual(["custom"]);
    expect(variants(schemas.RunOutputStream.properties.data)).toEqual([
      "CustomRunResultUpdate",
      "ValueRunErrorUpdate",
    ]);
    expect(schemas.StreamUpdateSchema).toEqual(custom);
    await assertValid(doc);

    const values = generateAgentOapi(base({ streaming: { values: true } })) as Json;
    expect(values.components.schemas.StreamingMode.enum).toEqual(["values"]);
    expect(variants(values.components.schemas.RunOutputStream.properties.data)).toEqual([
      "ValueRunResultUpdate",
      "ValueRunErrorUpdate",
    ]);
    expect(values.components.schemas.StreamUpdateSchema).toBeUndefined();
  });

  it("refuses an invalid descriptor", () => {
    expect(() => generateAgentOapi(base({}, { thread_state: {} }))).toThrow(
      ACPDescriptorValidationException,
    );
  });
});
