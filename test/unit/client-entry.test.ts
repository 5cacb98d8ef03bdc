import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/** The modules a file loads when it is loaded: static imports and re-exports, not types. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const pattern = /^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+"([^"]+)";/gms;
  return [...text.matchAll(pattern)].map((m) => m[1] as string);
}

/** Every module the client entry loads at start, followed through local files. */
function entryGraph(entry: string): { local: string[]; external: string[] } {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else external.add(spec);
    }
  };
  visit(entry);
  return { local: [...seen], external: [...external] };
}

describe("the client entry", () => {
  it("loads only modules that run wherever fetch does", () => {
    const { local, external } = entryGraph(resolve(src, "index.ts"));
    expect(local.some((f) => f.endsWith("acp-client.ts"))).toBe(true);
    expect(external.sort()).toEqual(["eventsource-parser", "zod"]);
    expect(
      local.filter((f) => /^\/(langgraph|server|manifest|cli)\//.test(f.slice(src.length))),
    ).toEqual([]);
  });
});
