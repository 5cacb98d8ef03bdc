/**
 * The browser tests' tools: the playground bundle built from the sources (as
 * `npm run build` builds it), a bundle of any entry for a page, and Debian's
 * chromium driven by playwright-core.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { build } from "tsup";
import { playground } from "../../tsup.config.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Where Debian installs chromium (`apt-get install chromium`). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Builds the playground's script into `dist/ui/`, where the server looks for it. */
export async function buildPlayground(): Promise<void> {
  await build({ ...playground, config: false, silent: true, outDir: join(root, "dist") });
}

/** Bundles `entry` for browsers (as the playground is bundled) into a new folder; its file. */
export async function bundleForBrowser(entry: string): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), "acp-browser-"));
  await build({
    ...playground,
    entry: { bundle: resolve(root, entry) },
    config: false,
    silent: true,
    outDir,
  });
  return join(outDir, "bundle.js");
}

/** A headless chromium; close it after the tests. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/** Screenshots go into docs/images/ only when asked, so that test runs leave tracked files alone. */
export function screenshotPath(name: string): string | undefined {
  return process.env.ACP_UI_SCREENSHOTS === "1"
    ? join(root, "docs", "images", `playground-${name}.png`)
    : undefined;
}
