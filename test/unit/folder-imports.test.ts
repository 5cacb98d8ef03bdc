import { readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Every relative module a file names: imports, re-exports and dynamic imports, types included. */
function localImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const pattern = /(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)"(\.[^"]+)"/gm;
  return [...text.matchAll(pattern)].map((m) => m[1] as string);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = resolve(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** What every folder may use: the ground floor (core, models, the table) and its own files. */
const groundFloor = ["core/", "models/", "operations.ts", "version.ts"];
/** The public entries of the folders, by the folder they belong to. */
const entries = {
  client: "index.ts",
  manifest: "manifest/index.ts",
  langgraph: "langgraph/index.ts",
  server: "server/index.ts",
};

/** Per folder, what it may import beside its own files: lower folders only through their entries. */
const allowed: Record<string, string[]> = {
  core: ["core/"],
  models: ["core/", "models/"],
  client: groundFloor,
  manifest: [...groundFloor, entries.client],
  // The API bridge follows redirects by the client's own rules (credentials stay home).
  langgraph: [...groundFloor, entries.client, entries.manifest, "client/redirects.ts"],
  server: [...groundFloor, entries.client, entries.manifest],
  cli: [...groundFloor, ...Object.values(entries)],
};

/** The folder a source file belongs to; the root's index.ts is the client's entry. */
function folderOf(path: string): string {
  const [first] = path.split("/");
  if (path === "index.ts" || first === "client") return "client";
  if (path === "operations.ts") return "models";
  if (path === "version.ts") return "core";
  return first as string;
}

describe("the folders", () => {
  it("import the ground floor, their own files and the public entries of lower folders only", () => {
    const breaches: string[] = [];
    for (const file of sourceFiles(src)) {
      const from = relative(src, file);
      const folder = folderOf(from);
      const rules = allowed[folder];
      expect(rules, `${from} is in a folder without import rules`).toBeDefined();
      for (const spec of localImports(file)) {
        const target = relative(src, resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
        // Files beside the sources (package.json) belong to no folder.
        if (target.startsWith("..")) continue;
        const own = folderOf(target) === folder && target !== entries.client;
        const ok =
          own || (rules ?? []).some((r) => (r.endsWith("/") ? target.startsWith(r) : target === r));
        if (!ok) breaches.push(`${from} -> ${target}`);
      }
    }
    expect(breaches).toEqual([]);
  });
});
