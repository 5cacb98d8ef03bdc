/**
 * Every `ts` block of the README compiles as printed: each is type-checked as a
 * module of its own against the package, so a snippet that uses a name it does not
 * declare or import fails here.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { readmeBlocks, root } from "../helpers/readme.js";

const blocks = readmeBlocks();
const tsBlocks = blocks.filter((b) => b.lang === "ts");
/** The module "Serve your first agent" shows, which later snippets import as `./agent.js`. */
const firstAgent = join(root, "examples/first-agent");

let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The problems TypeScript finds in the blocks, each as `README.md:<line>: <message>`. */
function typeCheck(): string[] {
  mkdirSync(join(root, ".tmp"), { recursive: true });
  scratch = mkdtempSync(join(root, ".tmp", "readme-ts-"));
  const dir = scratch;
  for (const file of ["agent.ts", "descriptor.json"]) {
    copyFileSync(join(firstAgent, file), join(dir, file));
  }
  const files = tsBlocks.map((block) => {
    const file = join(dir, `readme-line-${block.line}.ts`);
    // Each block is a module of its own: no block sees another's declarations.
    writeFileSync(file, `${block.code}export {};\n`);
    return { file, block };
  });
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram(
    files.map((f) => f.file),
    { ...options, noEmit: true },
  );
  return ts.getPreEmitDiagnostics(program).flatMap((d) => {
    const snippet = files.find((f) => f.file === d.file?.fileName);
    if (!snippet || !d.file || d.start === undefined) return [];
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    return [`README.md:${snippet.block.line + line}: ${text}`];
  });
}

describe("the README's TypeScript", () => {
  it("has code blocks to check", () => {
    expect(tsBlocks.length).toBeGreaterThanOrEqual(5);
  });

  it("shows the first agent's module and descriptor as they are in examples/", () => {
    const agent = readFileSync(join(firstAgent, "agent.ts"), "utf8");
    expect(tsBlocks.map((b) => b.code)).toContain(agent);
    const descriptor = JSON.parse(readFileSync(join(firstAgent, "descriptor.json"), "utf8"));
    const shown = blocks.filter((b) => b.lang === "json").map((b) => JSON.parse(b.code));
    expect(shown).toContainEqual(descriptor);
  });

  it("compiles block by block, each with what it declares and imports", () => {
    expect(typeCheck()).toEqual([]);
  }, 180_000);
});
