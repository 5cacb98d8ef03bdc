/**
 * Builds the package once before the tests that run the built `acp` command,
 * with the project's tsup configuration, into `.tmp/dist-cli/<stamp>` where the
 * stamp is the time of the newest file under `src`. A build for a given state of
 * `src` happens once and is reused; each lives in its own directory, so a build
 * started by another test run (or `npm run build`, which cleans `dist`) never
 * pulls the command from under running tests.
 *
 * A run given only test file paths without `cli` in them skips the build. A
 * failed build does not stop the suite: the CLI tests read the outcome and fail
 * with its message.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

const root = resolve(import.meta.dirname, "../..");
const buildsDir = join(root, ".tmp/dist-cli");
/** Builds older than this are removed when a new one is made. */
const keepMs = 30 * 60 * 1000;

declare module "vitest" {
  export interface ProvidedContext {
    /** The built `acp` entry to run, when the build succeeded. */
    cliPath: string | undefined;
    /** Why the build failed, when it did. */
    cliBuildError: string | undefined;
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/** True when the command line names only test files, none of them a CLI test. */
function runsNoCliTest(argv: readonly string[]): boolean {
  const files = argv.filter((a) => a.endsWith(".test.ts"));
  const words = argv.filter(
    (a) =>
      !a.startsWith("-") &&
      !a.endsWith(".test.ts") &&
      !["run", "watch", "related"].includes(a) &&
      !/(vitest|\.mjs|node)$/.test(a),
  );
  return files.length > 0 && words.length === 0 && !files.some((f) => f.includes("cli"));
}

function removeOldBuilds(keep: string): void {
  for (const name of readdirSync(buildsDir)) {
    const path = join(buildsDir, name);
    if (path !== keep && Date.now() - statSync(path).mtimeMs > keepMs) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

export default function setup(project: TestProject): void {
  project.provide("cliPath", undefined);
  project.provide("cliBuildError", undefined);
  if (runsNoCliTest(process.argv.slice(1))) return;
  const target = join(buildsDir, String(Math.floor(newestMtime(join(root, "src")))));
  if (!existsSync(target)) {
    const partial = `${target}.partial-${process.pid}`;
    try {
      execFileSync(join(root, "node_modules/.bin/tsup"), ["--out-dir", partial, "--no-dts"], {
        cwd: root,
        stdio: "pipe",
      });
      if (!existsSync(target)) renameSync(partial, target);
      removeOldBuilds(target);
    } catch (err) {
      const output = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
      project.provide(
        "cliBuildError",
        `the build failed: ${output.trim().split("\n").slice(-5).join(" | ")}`,
      );
      return;
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  project.provide("cliPath", join(target, "cli/index.js"));
}
