/**
 * The package as a user gets it: `npm pack`, then `npm install` of the tarball into
 * a new project outside this one. Tests run offline, so npm cannot fetch the
 * dependencies from the registry: the new project names each runtime dependency
 * and peer as a `file:` link to this project's copy, and npm installs the tarball
 * itself as it would from the registry (unpacked, bin linked). Then every entry
 * point is imported as ESM and as CommonJS, their types are resolved under
 * `node10` and `nodenext`, and the installed `acp` runs.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { type CommandResult, root, serveExample } from "../helpers/readme.js";

const run = promisify(execFile);
const entries = ["agntcy-acp", "agntcy-acp/langgraph", "agntcy-acp/server", "agntcy-acp/manifest"];
/** A name each entry point must export, to tell a real module from an empty one. */
const exported: Record<string, string> = {
  "agntcy-acp": "ACPClient",
  "agntcy-acp/langgraph": "ACPNode",
  "agntcy-acp/server": "serveACP",
  "agntcy-acp/manifest": "validateAgentDescriptor",
};

let project: string;
let packed: string[];

/**
 * `npm pack` into `dir`. npm runs `prepack` first, which builds `dist` unless it is
 * already built from these sources (`npm run build`, or an earlier `prepack`).
 */
async function pack(dir: string): Promise<{ file: string; files: string[] }> {
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  // The build prints to stderr: what `npm pack --json` prints is JSON, whole.
  const [result] = JSON.parse(stdout) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (!result) throw new Error(`npm pack printed no result: ${stdout}`);
  return { file: join(dir, result.filename), files: result.files.map((f) => f.path) };
}

/** Runs `command` in the new project, never failing: the result says how it ended. */
async function inProject(command: string, args: string[]): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: project });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(err) };
  }
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "agntcy-acp-install-"));
  const { file, files } = await pack(project);
  packed = files;
  const linked = [
    ...Object.keys(packageJson.dependencies),
    ...Object.keys(packageJson.peerDependencies),
  ];
  const dependencies: Record<string, string> = { "agntcy-acp": `file:${file}` };
  for (const name of linked) dependencies[name] = `file:${join(root, "node_modules", name)}`;
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "new-project",
      version: "1.0.0",
      private: true,
      type: "module",
      dependencies,
    }),
  );
  // --ignore-scripts: the linked copies are this project's, already installed.
  await run("npm", ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: project,
  });
}, 300_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("holds the license, the built entry points and the ESM-only command, and no sources", () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        "LICENSE",
        "README.md",
        "package.json",
        "dist/cli/index.js",
        ...["index", "langgraph/index", "server/index", "manifest/index"].flatMap((e) => [
          `dist/${e}.js`,
          `dist/${e}.cjs`,
          `dist/${e}.d.ts`,
          `dist/${e}.d.cts`,
        ]),
      ]),
    );
    expect(packed.filter((f) => f.startsWith("dist/cli/"))).toEqual([
      "dist/cli/index.js",
      "dist/cli/index.js.map",
    ]);
    expect(packed.filter((f) => !f.startsWith("dist/"))).toEqual([
      "LICENSE",
      "README.md",
      "package.json",
    ]);
  });

  it("ships a package.json with no script that would run at install", () => {
    const installed = JSON.parse(
      readFileSync(join(project, "node_modules/agntcy-acp/package.json"), "utf8"),
    ) as { scripts?: Record<string, string> };
    const installTime = ["preinstall", "install", "postinstall", "prepare"];
    expect(Object.keys(installed.scripts ?? {}).filter((s) => installTime.includes(s))).toEqual([]);
  });

  it.each(entries)("%s imports as ESM and as CommonJS", async (entry) => {
    const name = exported[entry] as string;
    const esm = await inProject(process.execPath, [
      "--input-type=module",
      "-e",
      `const m = await import(${JSON.stringify(entry)}); console.log(typeof m.${name});`,
    ]);
    expect(esm).toMatchObject({ code: 0, stdout: "function\n" });
    const cjs = await inProject(process.execPath, [
      "-e",
      `console.log(typeof require(${JSON.stringify(entry)}).${name});`,
    ]);
    expect(cjs).toMatchObject({ code: 0, stdout: "function\n" });
  });

  it.each([
    ["node10", "commonjs"],
    ["nodenext", "nodenext"],
  ])(
    "gives TypeScript every entry point's types under moduleResolution %s",
    async (resolution, module) => {
      const lines = entries.map(
        (entry, i) => `import { ${exported[entry]} as e${i} } from ${JSON.stringify(entry)};`,
      );
      const file = join(project, `types-${resolution}.ts`);
      writeFileSync(file, `${lines.join("\n")}\nexport const all = [e0, e1, e2, e3];\n`);
      const tsc = join(root, "node_modules/typescript/bin/tsc");
      const r = await inProject(process.execPath, [
        tsc,
        "--noEmit",
        "--strict",
        "--skipLibCheck",
        "--types",
        "node",
        "--typeRoots",
        join(root, "node_modules/@types"),
        "--module",
        module,
        "--moduleResolution",
        resolution,
        file,
      ]);
      expect(r).toMatchObject({ code: 0, stdout: "" });
    },
    120_000,
  );

  it("carries the ACP specification inside the manifest entry, for ESM and CommonJS", async () => {
    const read =
      "const { acpSpec } = m; console.log(acpSpec.info.version, Object.keys(acpSpec.paths).length);";
    const esm = await inProject(process.execPath, [
      "--input-type=module",
      "-e",
      `const m = await import("agntcy-acp/manifest"); ${read}`,
    ]);
    expect(esm).toMatchObject({ code: 0, stdout: "0.2.3 23\n" });
    const cjs = await inProject(process.execPath, [
      "-e",
      `const m = require("agntcy-acp/manifest"); ${read}`,
    ]);
    expect(cjs).toMatchObject({ code: 0, stdout: "0.2.3 23\n" });
  });

  it("runs acp from node_modules/.bin", async () => {
    const r = await inProject(join(project, "node_modules/.bin/acp"), ["--version"]);
    expect(r).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: "" });
  });

  it("serves the first agent's TypeScript module with the installed acp and tsx", async () => {
    cpSync(join(root, "examples/first-agent"), join(project, "first-agent"), { recursive: true });
    const served = await serveExample(
      "node_modules/.bin/acp serve first-agent/agent.ts --port 0",
      project,
    );
    try {
      expect(served.agents).toEqual(["org.example.greeter"]);
      const r = await inProject(join(project, "node_modules/.bin/acp"), [
        "run",
        "org.example.greeter",
        "--input",
        '{"name":"Ada"}',
        "--url",
        served.url,
      ]);
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(JSON.parse(r.stdout)).toEqual({ name: "Ada", greeting: "Hello, Ada!" });
    } finally {
      await served.close();
    }
  }, 60_000);
});
