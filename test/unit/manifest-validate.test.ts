import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ACPDescriptorValidationException,
  DocumentReadError,
  descriptorFromManifest,
  validateAgentDescriptor,
  validateAgentDescriptorFile,
  validateAgentManifest,
  validateAgentManifestFile,
} from "../../src/manifest/index.js";
import { samplesDir } from "../helpers/spec.js";

const descriptors = join(samplesDir, "descriptors");
const manifests = join(samplesDir, "manifests");

/** A small valid descriptor to break in one place per test. */
function descriptor(
  specs: Record<string, unknown> = {},
  capabilities: Record<string, unknown> = {},
) {
  return {
    metadata: { ref: { name: "t.agent", version: "1.0.0" }, description: "a test agent" },
    specs: {
      capabilities,
      input: { type: "object" },
      output: { type: "object" },
      config: { type: "object" },
      ...specs,
    },
  };
}

const interrupt = {
  interrupt_type: "approval",
  interrupt_payload: { type: "object" },
  resume_payload: { type: "object" },
};

describe("the sample descriptors and manifests", () => {
  it.each([
    "descriptor_ok.json",
    "descriptor_ok_no_callbacks.json",
    "descriptor_ok_no_interrupts.json",
    "descriptor_ok_no_streaming.json",
  ])("%s is a valid descriptor", (file) => {
    const result = validateAgentDescriptorFile(join(descriptors, file));
    expect(result).toMatchObject({ valid: true, problems: [] });
    expect(result.value?.metadata.ref.name).toBe("org.agntcy.sample-agent-1");
  });

  it("descriptor_ko.json lacks metadata and specs, and both are reported", () => {
    const result = validateAgentDescriptorFile(join(descriptors, "descriptor_ko.json"));
    expect(result.valid).toBe(false);
    expect(result.problems).toEqual([
      { path: "metadata", message: "is required" },
      { path: "specs", message: "is required" },
    ]);
  });

  it("descriptor_ko_thread_support.json has a thread state without thread support", () => {
    const file = join(descriptors, "descriptor_ko_thread_support.json");
    expect(validateAgentDescriptorFile(file).problems).toEqual([
      {
        path: "specs.thread_state",
        message: "thread_state is defined but capabilities.threads is not true",
      },
    ]);
    expect(() => validateAgentDescriptorFile(file, true)).toThrow(ACPDescriptorValidationException);
  });

  it.each(["agent_mailreviewer.json", "agent_mailwriter.json", "manifest_ok_mailcomposer.json"])(
    "%s is a valid manifest",
    (file) => {
      expect(validateAgentManifestFile(join(manifests, file))).toMatchObject({ valid: true });
    },
  );

  it("turns the OASF manifest into its descriptor", () => {
    const manifest = validateAgentManifestFile(
      join(manifests, "manifest_ok_mailcomposer.json"),
      true,
    );
    const d = descriptorFromManifest(manifest);
    expect(d.metadata.ref).toEqual({ name: "org.agntcy.mailcomposer", version: "0.0.1" });
    expect(d.specs.capabilities.interrupts).toBe(true);
    expect(d.specs.interrupts?.[0]?.interrupt_type).toBe("format_email");
    expect(validateAgentDescriptor(d).valid).toBe(true);
  });
});

describe("the rules that tie specs to capabilities", () => {
  it("accepts a minimal descriptor and returns it", () => {
    const d = descriptor();
    expect(validateAgentDescriptor(d, true)).toEqual(d);
  });

  it("requires declared interrupts when capabilities.interrupts is true", () => {
    expect(validateAgentDescriptor(descriptor({}, { interrupts: true })).problems).toEqual([
      {
        path: "specs.interrupts",
        message: "capabilities.interrupts is true but no interrupts are declared",
      },
    ]);
  });

  it("refuses declared interrupts without capabilities.interrupts, but allows an empty list", () => {
    expect(validateAgentDescriptor(descriptor({ interrupts: [interrupt] })).problems).toEqual([
      {
        path: "specs.interrupts",
        message: "interrupts are declared but capabilities.interrupts is not true",
      },
    ]);
    expect(validateAgentDescriptor(descriptor({ interrupts: [] })).valid).toBe(true);
  });

  it("ties custom_streaming_update to capabilities.streaming.custom, both ways", () => {
    const missing = validateAgentDescriptor(descriptor({}, { streaming: { custom: true } }));
    expect(missing.problems).toEqual([
      {
        path: "specs.custom_streaming_update",
        message: "capabilities.streaming.custom is true but custom_streaming_update is missing",
      },
    ]);
    const extra = validateAgentDescriptor(
      descriptor({ custom_streaming_update: { type: "object" } }, { streaming: { values: true } }),
    );
    expect(extra.problems.map((p) => p.path)).toEqual(["specs.custom_streaming_update"]);
  });

  it("refuses two interrupts of the same type", () => {
    const d = descriptor({ interrupts: [interrupt, interrupt] }, { interrupts: true });
    expect(validateAgentDescriptor(d).problems).toEqual([
      {
        path: "specs.interrupts[1].interrupt_type",
        message: 'interrupt_type "approval" is declared more than once',
      },
    ]);
  });

  it("reports an embedded schema that is not JSON Schema, at the keyword's path", () => {
    const d = descriptor({ output: { type: "object", properties: { n: { type: "integr" } } } });
    const [p, ...rest] = validateAgentDescriptor(d).problems;
    expect(rest).toEqual([]);
    expect(p?.path).toBe("specs.output.properties.n.type");
    expect(p?.message).toMatch(/must be one of .*"integer"/);
  });

  it("reports an embedded schema whose $ref does not resolve", () => {
    const d = descriptor({ config: { $ref: "#/$defs/Missing" } });
    const [p] = validateAgentDescriptor(d).problems;
    expect(p?.path).toBe("specs.config");
    expect(p?.message).toMatch(/not a usable JSON Schema: .*Missing/);
  });

  it("checks interrupt payload schemas, and accepts draft-07 schemas", () => {
    const bad = { ...interrupt, resume_payload: { type: "object", required: "yes" } };
    const d = descriptor({ interrupts: [bad] }, { interrupts: true });
    expect(validateAgentDescriptor(d).problems.map((p) => p.path)).toEqual([
      "specs.interrupts[0].resume_payload.required",
    ]);
    const draft7 = descriptor({
      input: {
        $schema: "http://json-schema.org/draft-07/schema#",
        definitions: { s: { type: "string" } },
        properties: { a: { $ref: "#/definitions/s" } },
      },
    });
    expect(validateAgentDescriptor(draft7).valid).toBe(true);
  });

  it("lists every problem at once, structural and semantic, in the exception too", () => {
    const d = descriptor(
      { input: "not a schema", thread_state: { type: "object" } },
      { threads: "yes" },
    );
    const result = validateAgentDescriptor(d);
    const paths = result.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(["specs.capabilities.threads", "specs.input", "specs.thread_state"]),
    );
    let thrown: unknown;
    try {
      validateAgentDescriptor(d, true);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ACPDescriptorValidationException);
    const e = thrown as ACPDescriptorValidationException;
    expect(e.problems).toEqual(result.problems);
    for (const path of paths) expect(e.message).toContain(`${path}:`);
  });

  it("accepts JSON text and reports text that is not JSON", () => {
    expect(validateAgentDescriptor(JSON.stringify(descriptor())).valid).toBe(true);
    const result = validateAgentDescriptor("{ nope");
    expect(result.valid).toBe(false);
    expect(result.problems[0]?.path).toBe("");
    expect(result.problems[0]?.message).toMatch(/^is not valid JSON/);
  });
});

describe("manifests", () => {
  const record = (data: unknown) => ({
    name: "t.agent",
    version: "1.0.0",
    description: "a test agent",
    extensions: [{ name: "schema.oasf.agntcy.org/features/runtime/manifest", data }],
  });

  it("finds the ACP specs of an OASF record and reports problems under the extension", () => {
    const bad = record({ acp: { ...descriptor().specs, thread_state: { type: "object" } } });
    expect(validateAgentManifest(bad).problems).toEqual([
      {
        path: "extensions[0].data.acp.thread_state",
        message: "thread_state is defined but capabilities.threads is not true",
      },
    ]);
    expect(validateAgentManifest(record({ acp: descriptor().specs })).valid).toBe(true);
  });

  it("reports a record without the runtime manifest extension", () => {
    const r = { ...record({}), extensions: [{ name: "other", data: {} }] };
    expect(validateAgentManifest(r).problems).toEqual([
      {
        path: "extensions",
        message:
          "has no runtime manifest extension (schema.oasf.agntcy.org/features/runtime/manifest)",
      },
    ]);
  });

  it("checks the deployment options of the Agent Manifest form", () => {
    const m = {
      ...descriptor(),
      deployment: { deployment_options: [{ type: "remote_service", protocol: { type: "ACP" } }] },
    };
    expect(validateAgentManifest(m).problems).toEqual([
      { path: "deployment.deployment_options[0].protocol.url", message: "is required" },
    ]);
  });

  it("turns the Agent Manifest form into its descriptor, and refuses an invalid one", () => {
    const m = { ...descriptor(), deployment: { deployment_options: [] } };
    expect(descriptorFromManifest(m)).toEqual(descriptor());
    expect(() => descriptorFromManifest({})).toThrow(ACPDescriptorValidationException);
  });
});

describe("files", () => {
  const dir = mkdtempSync(join(tmpdir(), "manifest-files-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads YAML files", () => {
    const file = join(dir, "agent.yaml");
    writeFileSync(
      file,
      "metadata:\n  ref: { name: y, version: '1' }\n  description: d\nspecs:\n  capabilities: {}\n  input: {}\n  output: {}\n  config: {}\n",
    );
    expect(validateAgentDescriptorFile(file).valid).toBe(true);
    expect(validateAgentManifestFile(file).valid).toBe(true);
  });

  it("throws DocumentReadError for a missing file, whatever raiseException says", () => {
    expect(() => validateAgentDescriptorFile(join(dir, "missing.json"))).toThrow(DocumentReadError);
    expect(() => validateAgentManifestFile(join(dir, "missing.json"))).toThrow(/no such file/);
  });
});
