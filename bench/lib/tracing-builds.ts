/**
 * Two builds of the server for the tracing benchmark, made the same way from the same
 * sources by esbuild: one as it is, and one without tracing, where the server's tracing
 * hooks are compiled out. What they differ by is the feature and nothing else: the
 * request middleware that decides whether a request is traced is gone, a run's
 * execution calls the graph directly (no span, no callbacks), and a new run keeps no
 * trace context.
 *
 * The cuts are made on the sources' text; each one must match exactly once, so a change
 * to those lines fails the benchmark instead of quietly measuring a build that still
 * traces.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

/** Where the two builds are written: under node_modules, so the bundles find their packages. */
const outDir = fileURLToPath(
  new URL("../../node_modules/.cache/agntcy-acp-bench/", import.meta.url),
);
const entry = fileURLToPath(new URL("../../src/server/index.ts", import.meta.url));

/** A cut: in the file whose path ends with `file`, `find` (matched once) becomes `replace`. */
interface Cut {
  file: string;
  find: RegExp;
  replace: string;
}

const cuts: Cut[] = [
  {
    // The middleware that opens a request's SERVER span, or passes it on untraced.
    file: "src/server/http/app.ts",
    find: /\n\s*app\.use\("\*", \(c, next\) =>\s*requestUntraced\(\(name\) => c\.req\.header\(name\)\) \? next\(\) : traceRequest\(c, next\),\s*\);/,
    replace: "",
  },
  {
    // A run's execution: the graph called as it is, with no span and no callbacks.
    file: "src/server/runs/run-execution.ts",
    find: /await traceRun\(\s*\(\) => runTraceInfo\(record, agent\),\s*\(callbacks\) =>\s*executeLeg\(\s*record,\s*\{ \.\.\.this\.graphFor\(record, agent\), callbacks \},([^)]*)\),\s*\);/,
    replace: "await executeLeg(record, this.graphFor(record, agent),$1);",
  },
  {
    // The trace context a new run keeps for a replica that takes it over.
    file: "src/server/runs/run-record.ts",
    find: /const trace = activeTraceContext\(\);/,
    replace: "const trace = undefined as ReturnType<typeof activeTraceContext>;",
  },
];

/** The cuts as an esbuild plugin; it fails the build when a cut does not match once. */
function withoutTracing(): Plugin {
  return {
    name: "without-tracing",
    setup(b) {
      const files = cuts.map((c) => c.file.replace(/[.]/g, "\\.")).join("|");
      b.onLoad({ filter: new RegExp(`(${files})$`) }, async (args) => {
        const { readFile } = await import("node:fs/promises");
        let text = await readFile(args.path, "utf8");
        for (const cut of cuts.filter((c) => args.path.endsWith(c.file))) {
          const matches = text.match(new RegExp(cut.find.source, "g"))?.length ?? 0;
          if (matches !== 1) {
            throw new RangeError(
              `the build without tracing could not cut ${cut.file}: ${matches} matches of ${cut.find}`,
            );
          }
          text = text.replace(cut.find, cut.replace);
        }
        return { contents: text, loader: "ts" };
      });
    },
  };
}

/** The two builds' entry modules, as file URLs: `traced` as it is, `untraced` without tracing. */
export interface TracingBuilds {
  traced: string;
  untraced: string;
}

/** Builds the server twice, with and without tracing, the same way; returns their entries. */
export async function buildTracingVariants(): Promise<TracingBuilds> {
  mkdirSync(outDir, { recursive: true });
  const common = {
    entryPoints: [entry],
    bundle: true,
    platform: "node" as const,
    format: "esm" as const,
    target: "node20",
    // The packages stay imports, as in the published build.
    packages: "external" as const,
    logLevel: "error" as const,
  };
  const traced = `${outDir}traced.mjs`;
  const untraced = `${outDir}untraced.mjs`;
  await build({ ...common, outfile: traced });
  await build({ ...common, outfile: untraced, plugins: [withoutTracing()] });
  return { traced, untraced };
}
