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
  // The playground page runs in browsers on the client entry, as any web page would.
  ui: [entries.client],
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

/**
 * The layers inside `server/`, lowest first. A file may import its own layer and the
 * layers below it, never one above:
 *
 *   entries      index.ts, serve.ts: the server's public surface, anything below
 *   http/        the Hono app, the router, the one place an error becomes a status
 *   a2a/         the agents over A2A v1.0 on the same runs (http/ mounts it)
 *   runs/        run and thread lifecycle
 *   floor        options.ts, descriptor.ts, agents.ts, json-schema.ts: what runs/ and
 *                http/ share (the options name store and webhook policy types)
 *   stores/      the storage backends          webhooks/   the webhook notifier
 *   base         errors.ts, json-limits.ts: the domain errors and limits, which
 *                import nothing else of the server
 *
 * So runs/ never imports http/ or a2a/, a2a/ never imports http/ (it maps the domain
 * errors to A2A's own), stores/ never imports runs/ or http/, and the domain
 * errors are below everything that throws them. stores/ and webhooks/ share a layer
 * and do not import each other.
 */
const serverLayers: ReadonlyArray<readonly string[]> = [
  ["server/errors.ts", "server/json-limits.ts"],
  ["server/stores/", "server/webhooks/"],
  ["server/options.ts", "server/descriptor.ts", "server/agents.ts", "server/json-schema.ts"],
  ["server/runs/"],
  ["server/a2a/"],
  ["server/http/"],
  ["server/index.ts", "server/serve.ts"],
];

/**
 * Imports allowed against the layers, and why. The notifier takes the server's logger
 * type from options.ts, which in turn names the webhook policy: the one cycle left.
 */
const serverExceptions: ReadonlyArray<readonly [from: string, to: string]> = [
  ["server/webhooks/", "server/options.ts"],
];

/** The part of `server/` a path is in (a folder ending in `/`, or a file), and its layer. */
function serverPart(path: string): { part: string; layer: number } | undefined {
  for (const [layer, parts] of serverLayers.entries()) {
    for (const part of parts) {
      if (part.endsWith("/") ? path.startsWith(part) : path === part) return { part, layer };
    }
  }
  return undefined;
}

describe("the layers of server/", () => {
  it("place every file of server/", () => {
    const unplaced = sourceFiles(resolve(src, "server"))
      .map((file) => relative(src, file))
      .filter((path) => serverPart(path) === undefined);
    expect(unplaced).toEqual([]);
  });

  it("import their own layer and lower ones only", () => {
    const breaches: string[] = [];
    for (const file of sourceFiles(resolve(src, "server"))) {
      const from = relative(src, file);
      const source = serverPart(from);
      if (!source) continue;
      for (const spec of localImports(file)) {
        const target = relative(src, resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
        const dest = serverPart(target);
        if (!dest || dest.part === source.part) continue;
        const excepted = serverExceptions.some(
          ([a, b]) => from.startsWith(a) && (b.endsWith("/") ? target.startsWith(b) : target === b),
        );
        // Within a layer only the shared files may use each other, not the sibling folders.
        const sideways = dest.layer === source.layer && dest.part.endsWith("/");
        if ((dest.layer > source.layer || sideways) && !excepted) {
          breaches.push(`${from} -> ${target}`);
        }
      }
    }
    expect(breaches).toEqual([]);
  });
});
