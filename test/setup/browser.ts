/**
 * Says once per test run when the browser tests are left out: they drive chromium,
 * which `bash .ci/run` installs (`apt-get install chromium`); set CHROMIUM_PATH for
 * another place. vitest.config.ts leaves them out; in CI they always run.
 */
import { existsSync } from "node:fs";

export default function setup(): void {
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (process.env.CI || existsSync(chromium)) return;
  console.warn(
    `browser: no chromium at ${chromium}, so the browser tests (test/ui) are left out; \`bash .ci/run\` installs it and runs them, or set CHROMIUM_PATH`,
  );
}
