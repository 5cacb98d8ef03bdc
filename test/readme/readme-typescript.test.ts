/**
 * Every `ts` block of the README and of `docs/` compiles as printed: each is
 * type-checked as a module of its own against the package, all in one program, so
 * a snippet that uses a name it does not declare or import fails here. The same
 * program checks the names of the migration table against the package's exports.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docBlocks, root, whereIs } from "../helpers/readme.js";

const blocks = docBlocks();
const tsBlocks = blocks.filter((b) => b.lang === "ts");
/** The module "Serve your first agent" shows, which later snippets import as `./agent.js`. */
const firstAgent = join(root, "examples/first-agent");
/** The package's entries, whose exports the migration table may name. */
const entries = ["agntcy-acp", "agntcy-acp/langgraph", "agntcy-acp/server", "agntcy-acp/manifest"];
const migrationPage = "docs/migrating-from-python.md";

let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Checked {
  program: ts.Program;
  /** One file per block. */
  files: { file: string; block: (typeof tsBlocks)[number] }[];
  /** The file that imports every entry, for looking up exports. */
  entriesFile: string;
}

let checked: Checked;

beforeAll(() => {
  mkdirSync(join(root, ".tmp"), { recursive: true });
  scratch = mkdtempSync(join(root, ".tmp", "readme-ts-"));
  const dir = scratch;
  for (const file of ["agent.ts", "descriptor.json"]) {
    copyFileSync(join(firstAgent, file), join(dir, file));
  }
  const files = tsBlocks.map((block) => {
    const file = join(dir, `${block.page.replaceAll("/", "-")}-line-${block.line}.ts`);
    // Each block is a module of its own: no block sees another's declarations.
    writeFileSync(file, `${block.code}export {};\n`);
    return { file, block };
  });
  const entriesFile = join(dir, "entries.ts");
  writeFileSync(
    entriesFile,
    `${entries.map((e, i) => `import * as entry${i} from "${e}";`).join("\n")}\nexport { ${entries.map((_, i) => `entry${i}`).join(", ")} };\n`,
  );
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([...files.map((f) => f.file), entriesFile], {
    ...options,
    noEmit: true,
  });
  checked = { program, files, entriesFile };
});

/** The problems TypeScript finds in the blocks, each as `<page>:<line>: <message>`. */
function typeProblems(): string[] {
  const { program, files } = checked;
  return ts.getPreEmitDiagnostics(program).flatMap((d) => {
    const snippet = files.find((f) => f.file === d.file?.fileName);
    if (!snippet || !d.file || d.start === undefined) return [];
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    return [`${snippet.block.page}:${snippet.block.line + line}: ${text}`];
  });
}

/** Every export of the package's entries, by name. */
function packageExports(): Map<string, ts.Symbol> {
  const { program, entriesFile } = checked;
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entriesFile);
  const exports = new Map<string, ts.Symbol>();
  for (const statement of source?.statements ?? []) {
    if (!ts.isImportDeclaration(statement)) continue;
    const module = checker.getSymbolAtLocation(statement.moduleSpecifier);
    if (!module) throw new Error(`cannot resolve ${statement.moduleSpecifier.getText()}`);
    for (const symbol of checker.getExportsOfModule(module)) {
      const target =
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      exports.set(symbol.name, target);
    }
  }
  return exports;
}

/** The member names of an export: a class's instance and static members, a type's properties. */
function membersOf(symbol: ts.Symbol): Set<string> {
  const checker = checked.program.getTypeChecker();
  const names = new Set<string>();
  const add = (type: ts.Type) => {
    for (const p of checker.getPropertiesOfType(type)) names.add(p.name);
  };
  if (symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
    add(checker.getDeclaredTypeOfSymbol(symbol));
  }
  if (symbol.flags & ts.SymbolFlags.Value) {
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (declaration) add(checker.getTypeOfSymbolAtLocation(symbol, declaration));
  }
  return names;
}

/**
 * The names of the migration table's TypeScript column (the second column of every
 * table whose header names `agntcy-acp`), each as `Export` or `Export.member`.
 */
function migrationNames(): { name: string; line: number }[] {
  const lines = readFileSync(join(root, migrationPage), "utf8").split("\n");
  const names: { name: string; line: number }[] = [];
  /** Whether the table the line is in has `agntcy-acp...` over its second column; undefined outside tables. */
  let checkedTable: boolean | undefined;
  lines.forEach((text, index) => {
    if (!text.startsWith("|")) {
      checkedTable = undefined;
      return;
    }
    const cells = text.split("|").slice(1, -1);
    if (checkedTable === undefined) {
      checkedTable = /^\s*`agntcy-acp(\/\w+)?`\s*$/.test(cells[1] ?? "");
      return;
    }
    if (!checkedTable || /^[\s:-]+$/.test(cells[1] ?? "")) return;
    for (const [, name] of (cells[1] ?? "").matchAll(/`([^`]+)`/g)) {
      names.push({ name: name as string, line: index + 1 });
    }
  });
  return names;
}

describe("the TypeScript of the README and docs/", () => {
  it("has code blocks to check on every page that shows code", () => {
    expect(tsBlocks.filter((b) => b.page === "README.md").length).toBeGreaterThanOrEqual(4);
    expect(new Set(tsBlocks.map((b) => b.page)).size).toBeGreaterThanOrEqual(6);
  });

  it("shows the first agent's module and descriptor as they are in examples/", () => {
    const agent = readFileSync(join(firstAgent, "agent.ts"), "utf8");
    const shownModules = tsBlocks.filter((b) => b.code.includes('from "./descriptor.json"'));
    expect(shownModules.length).toBeGreaterThanOrEqual(1);
    for (const block of shownModules)
      expect({ at: whereIs(block), code: block.code }).toEqual({ at: whereIs(block), code: agent });
    const descriptor = JSON.parse(readFileSync(join(firstAgent, "descriptor.json"), "utf8"));
    const shown = blocks.filter((b) => b.lang === "json").map((b) => JSON.parse(b.code));
    expect(shown).toContainEqual(descriptor);
  });

  it("compiles block by block, each with what it declares and imports", () => {
    expect(typeProblems()).toEqual([]);
  }, 180_000);

  it(`names in ${migrationPage} only what the package exports`, () => {
    const exports = packageExports();
    const names = migrationNames();
    expect(names.length).toBeGreaterThanOrEqual(100);
    const missing = names.flatMap(({ name, line }) => {
      const match = name.match(/^([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?$/);
      if (!match) return [`${migrationPage}:${line}: \`${name}\` is not a name`];
      const [, owner, member] = match as [string, string, string | undefined];
      const symbol = exports.get(owner);
      if (!symbol) return [`${migrationPage}:${line}: ${owner} is not exported`];
      if (member !== undefined && !membersOf(symbol).has(member)) {
        return [`${migrationPage}:${line}: ${owner} has no ${member}`];
      }
      return [];
    });
    expect(missing).toEqual([]);
  });
});
