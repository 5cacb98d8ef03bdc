import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  ACPDescriptorValidationException,
  descriptorFromManifest,
  generateAgentModels,
} from "../../src/manifest/index.js";
import type { AgentACPDescriptor } from "../../src/models/index.js";
import { samplesDir } from "../helpers/spec.js";

const root = resolve(import.meta.dirname, "../..");

type Module = Record<string, z.ZodType>;

/** A descriptor whose schemas use what the converter writes in zod v3 style. */
const tricky: AgentACPDescriptor = {
  metadata: { ref: { name: "t.tricky", version: "1" }, description: "edge cases" },
  specs: {
    capabilities: { threads: true },
    input: {
      type: "object",
      properties: {
        ip: { type: "string", format: "ipv4" },
        any_ip: { type: "string", format: "ip" },
        choice: {
          if: { type: "string" },
          // biome-ignore lint/suspicious/noThenProperty: JSON Schema's conditional keyword
          then: { type: "string", minLength: 2 },
          else: { type: "number" },
        },
        tree: { $ref: "#/$defs/Node" },
      },
      $defs: {
        Node: {
          type: "object",
          properties: { children: { type: "array", items: { $ref: "#/$defs/Node" } } },
        },
      },
      required: ["ip"],
    },
    output: { type: "object", properties: { a: { type: "string" } }, additionalProperties: false },
    config: { type: "object", properties: { "odd key": { type: "boolean" } } },
    thread_state: { type: "array", items: { type: "string" } },
  },
};

function samples(): [string, AgentACPDescriptor][] {
  const out: [string, AgentACPDescriptor][] = [];
  const descriptors = join(samplesDir, "descriptors");
  for (const f of readdirSync(descriptors).filter((f) => f.includes("_ok"))) {
    out.push([f, JSON.parse(readFileSync(join(descriptors, f), "utf8"))]);
  }
  const manifests = join(samplesDir, "manifests");
  for (const f of readdirSync(manifests)) {
    out.push([f, descriptorFromManifest(JSON.parse(readFileSync(join(manifests, f), "utf8")))]);
  }
  return out;
}

const cases: [string, AgentACPDescriptor][] = [...samples(), ["tricky.json", tricky]];
const moduleName = (file: string) => file.replace(/\W/g, "_");

let dir: string;
const modules = new Map<string, Module>();

beforeAll(async () => {
  // Inside the project, so that the generated modules resolve zod from node_modules.
  dir = mkdtempSync(join(root, ".tmp", "models-"));
  for (const [file, d] of cases) {
    writeFileSync(join(dir, `${moduleName(file)}.ts`), generateAgentModels(d));
  }
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        strict: true,
        noUncheckedIndexedAccess: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      include: ["*.ts"],
    }),
  );
  for (const [file] of cases) {
    modules.set(file, (await import(join(dir, `${moduleName(file)}.ts`))) as Module);
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("generateAgentModels", () => {
  it("writes modules that type-check with strict tsc", () => {
    const tsc = join(root, "node_modules/.bin/tsc");
    let output = "";
    try {
      execFileSync(tsc, ["-p", join(dir, "tsconfig.json")], { stdio: "pipe" });
    } catch (err) {
      output = (err as { stdout?: Buffer }).stdout?.toString() ?? String(err);
    }
    expect(output).toBe("");
  });

  it.each(cases.map(([f]) => f))("%s: exports a schema for each part it defines", (file) => {
    const d = cases.find(([f]) => f === file)?.[1] as AgentACPDescriptor;
    const mod = modules.get(file) as Module;
    const expected = ["InputSchema", "OutputSchema", "ConfigSchema"];
    if (d.specs.thread_state) expected.push("ThreadStateSchema");
    if (d.specs.custom_streaming_update) expected.push("StreamUpdateSchema");
    for (const name of expected) expect(typeof mod[name]?.safeParse).toBe("function");
    expect(Object.keys(mod.interrupts as object)).toEqual(
      (d.specs.interrupts ?? []).map((i) => i.interrupt_type),
    );
  });

  it.each(cases.map(([f]) => f))("%s: accepts the descriptor's own examples", (file) => {
    const d = cases.find(([f]) => f === file)?.[1] as AgentACPDescriptor;
    const mod = modules.get(file) as Module;
    const table = mod.interrupts as unknown as Record<string, Record<string, z.ZodType>>;
    const parts: [z.ZodType | undefined, Record<string, unknown> | undefined][] = [
      [mod.InputSchema, d.specs.input],
      [mod.OutputSchema, d.specs.output],
      [mod.ConfigSchema, d.specs.config],
      [mod.ThreadStateSchema, d.specs.thread_state],
      [mod.StreamUpdateSchema, d.specs.custom_streaming_update],
      ...(d.specs.interrupts ?? []).flatMap(
        (i): [z.ZodType | undefined, Record<string, unknown>][] => [
          [table[i.interrupt_type]?.interruptPayload, i.interrupt_payload],
          [table[i.interrupt_type]?.resumePayload, i.resume_payload],
        ],
      ),
    ];
    let checked = 0;
    for (const [schema, json] of parts) {
      for (const example of (json?.examples as unknown[] | undefined) ?? []) {
        checked += 1;
        expect(schema?.safeParse(example).success, JSON.stringify(example)).toBe(true);
      }
    }
    // The samples' examples are on their outputs: two each.
    if (file.startsWith("descriptor_ok")) expect(checked).toBe(2);
  });

  it("enforces the sample's schemas", () => {
    const mod = modules.get("descriptor_ok.json") as Module;
    expect(mod.InputSchema?.safeParse(3).success).toBe(true);
    expect(mod.InputSchema?.safeParse(3.5).success).toBe(false);
    const approval = mod.PurchaseApprovalInterruptPayload;
    expect(approval?.safeParse({ description: "d", amount: 3, currency: "EUR" }).success).toBe(
      true,
    );
    expect(approval?.safeParse({ description: "d", amount: 3, currency: "JPY" }).success).toBe(
      false,
    );
    expect(mod.PurchaseApprovalResumePayload?.safeParse({ reason: "r" }).success).toBe(false);
    const mail = modules.get("manifest_ok_mailcomposer.json") as Module;
    const message = { type: "human", content: "hi" };
    expect(mail.FormatEmailResumePayload?.safeParse(message).success).toBe(true);
    expect(mail.FormatEmailResumePayload?.safeParse({ type: "robot", content: "hi" }).success).toBe(
      false,
    );
    expect(mail.InputSchema?.parse({ messages: [message], extra: 1 })).toEqual({
      messages: [message],
      is_completed: null,
      extra: 1,
    });
  });

  it("fixes the converter's zod v3 idioms and follows local $refs", () => {
    const mod = modules.get("tricky.json") as Module;
    const input = mod.InputSchema as z.ZodType;
    expect(input.safeParse({ ip: "10.0.0.1", any_ip: "::1", choice: "ab" }).success).toBe(true);
    expect(input.safeParse({ ip: "::1" }).success).toBe(false);
    expect(input.safeParse({ ip: "10.0.0.1", choice: "a" }).success).toBe(false);
    expect(
      input.safeParse({ ip: "10.0.0.1", tree: { children: [{ children: [] }] } }).success,
    ).toBe(true);
    expect(input.safeParse({ ip: "10.0.0.1", tree: { children: 3 } }).success).toBe(false);
    expect(mod.OutputSchema?.safeParse({ a: "x", b: 1 }).success).toBe(false);
    expect(mod.ThreadStateSchema?.safeParse(["s"]).success).toBe(true);
  });

  it("refuses an invalid descriptor", () => {
    expect(() => generateAgentModels({})).toThrow(ACPDescriptorValidationException);
  });
});
