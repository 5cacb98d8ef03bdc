import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

/**
 * The browser tests (test/ui) drive chromium (`apt-get install chromium`; `.ci/run`
 * installs it). Without it they are left out, with one line saying so
 * (test/setup/browser.ts); in CI they always run.
 */
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const browserTests = Boolean(process.env.CI) || existsSync(chromium);

export default defineConfig({
  resolve: {
    alias: [
      { find: /^agntcy-acp$/, replacement: src("index.ts") },
      { find: /^agntcy-acp\/(\w+)$/, replacement: src("$1/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: browserTests ? configDefaults.exclude : [...configDefaults.exclude, "test/ui/**"],
    globalSetup: ["test/setup/build.ts", "test/setup/postgres.ts", "test/setup/browser.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // In CI, a JSON report as well, from which `.ci/run` prints a one-line tally.
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: ".tmp/vitest-report.json" }]]
      : ["default"],
  },
});
