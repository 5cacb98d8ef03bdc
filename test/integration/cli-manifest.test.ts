import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { generateAgentModels } from "../../src/manifest/index.js";
import { acp, lines, projectRoot, requireBuiltCli } from "../helpers/acp-process.js";
import { samplesDir } from "../helpers/spec.js";

const descriptors = join(samplesDir, "descriptors");
const manifests = join(samplesDir, "manifests");
const sample = (dir: string, file: string) => relative(projectRoot, join(dir, file));

let out: string;

beforeAll(() => {
  requireBuiltCli();
  out = mkdtempSync(join(projectRoot, ".tmp", "cli-manifest-"));
});

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

describe.concurrent("acp validate-acp-descriptor and validate-acp-manifest", () => {
  it.each([
    "descriptor_ok.json",
    "descriptor_ok_no_callbacks.json",
    "descriptor_ok_no_interrupts.json",
    "descriptor_ok_no_streaming.json",
  ])("%s: exit 0 and one line", async (file) => {
    const path = sample(descriptors, file);
    const r = await acp(["validate-acp-descriptor", path]);
    expect(r).toEqual({ code: 0, stdout: `${path}: valid ACP descriptor\n`, stderr: "" });
  });

  it("descriptor_ko.json: exit 1 and every problem", async () => {
    const path = sample(descriptors, "descriptor_ko.json");
    const r = await acp(["validate-acp-descriptor", path]);
    expect(r.code).toBe(1);
    expect(lines(r.stdout)).toEqual([
      `${path}: invalid ACP descriptor, 2 problems:`,
      "  metadata: is required",
      "  specs: is required",
    ]);
  });

  it("descriptor_ko_thread_support.json: exit 1 and the thread state problem", async () => {
    const path = sample(descriptors, "descriptor_ko_thread_support.json");
    const r = await acp(["validate-acp-descriptor", path]);
    expect(r.code).toBe(1);
    expect(lines(r.stdout)).toEqual([
      `${path}: invalid ACP descriptor, 1 problem:`,
      "  specs.thread_state: thread_state is defined but capabilities.threads is not true",
    ]);
  });

  it.each(["agent_mailreviewer.json", "agent_mailwriter.json", "manifest_ok_mailcomposer.json"])(
    "%s: a valid manifest",
    async (file) => {
      const path = sample(manifests, file);
      const r = await acp(["validate-acp-manifest", path]);
      expect(r).toEqual({ code: 0, stdout: `${path}: valid agent manifest\n`, stderr: "" });
    },
  );

  it("an invalid manifest: exit 1", async () => {
    const r = await acp(["validate-acp-manifest", sample(descriptors, "descriptor_ko.json")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("invalid agent manifest");
  });
});

describe.concurrent("errors", () => {
  it("a missing file is one line on stderr, exit 1, no stack trace", async () => {
    const r = await acp(["validate-acp-descriptor", "nowhere.json"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("acp: cannot read nowhere.json: no such file\n");
  });

  it("--debug adds the stack trace", async () => {
    const r = await acp(["--debug", "validate-acp-descriptor", "nowhere.json"]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)[0]).toBe("acp: cannot read nowhere.json: no such file");
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it("an unknown command or a missing argument exits non-zero with commander's message", async () => {
    const unknown = await acp(["frobnicate"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = await acp(["generate-agent-models", "x.json"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("--output-dir");
  });
});

describe.concurrent("acp generate-agent-models and generate-agent-oapi", () => {
  it("writes the models module of a descriptor", async () => {
    const path = sample(descriptors, "descriptor_ok.json");
    const dir = join(out, "models");
    const r = await acp([
      "generate-agent-models",
      path,
      "--output-dir",
      dir,
      "--model-file-name",
      "agent.ts",
    ]);
    expect(r.code).toBe(0);
    const target = join(dir, "agent.ts");
    expect(r.stdout).toBe(`wrote ${target}\n`);
    const expected = generateAgentModels(
      JSON.parse(readFileSync(join(descriptors, "descriptor_ok.json"), "utf8")),
    );
    expect(readFileSync(target, "utf8")).toBe(expected);
  });

  it("writes models.ts by default, from an OASF manifest too", async () => {
    const dir = join(out, "from-manifest");
    const r = await acp([
      "generate-agent-models",
      sample(manifests, "manifest_ok_mailcomposer.json"),
      "--output-dir",
      dir,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "models.ts"), "utf8")).toContain(
      "export const FormatEmailInterruptPayload",
    );
  });

  it("prints the OpenAPI document as YAML, and it is valid", async () => {
    const r = await acp([
      "generate-agent-oapi",
      sample(descriptors, "descriptor_ok_no_interrupts.json"),
    ]);
    expect(r.code).toBe(0);
    const doc = parseYaml(r.stdout);
    expect(doc.info.title).toBe("Agent Connect Protocol: org.agntcy.sample-agent-1 0.0.1");
    expect(doc.paths["/runs/{run_id}"].post).toBeUndefined();
    await expect(SwaggerParser.validate(doc)).resolves.toBeDefined();
  });

  it("writes JSON with --output x.json", async () => {
    const file = join(out, "mailcomposer.json");
    const r = await acp([
      "generate-agent-oapi",
      sample(manifests, "manifest_ok_mailcomposer.json"),
      "--output",
      file,
    ]);
    expect(r).toMatchObject({ code: 0, stdout: `wrote ${file}\n` });
    const doc = JSON.parse(readFileSync(file, "utf8"));
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/threads"))).toBe(false);
    await expect(SwaggerParser.validate(doc)).resolves.toBeDefined();
  });

  it("refuses an invalid descriptor with every problem, exit 1", async () => {
    const r = await acp([
      "generate-agent-oapi",
      sample(descriptors, "descriptor_ko_thread_support.json"),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([
      "acp: invalid agent descriptor: 1 problem",
      "  specs.thread_state: thread_state is defined but capabilities.threads is not true",
    ]);
  });
});
