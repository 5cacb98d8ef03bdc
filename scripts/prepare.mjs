/**
 * Builds `dist` unless it was already built from the same sources (their hash is
 * kept in .tmp/). npm runs it as `prepack`, before `npm pack` and `npm publish`;
 * `npm run bench` and CI run it themselves. A clone needs no build to work on: the
 * demo, the tests and `npm run acp` run from the sources.
 *
 * Everything it prints goes to stderr, so that `npm pack --json` prints only JSON.
 */
import { execSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stampFile = join(root, ".tmp/dist-sources.sha256");
const inputs = ["src", "package.json", "package-lock.json", "tsconfig.json", "tsup.config.ts"];
const outputs = ["dist/index.js", "dist/index.d.ts", "dist/cli/index.js"];

function filesUnder(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)));
}

/** One hash of every file `dist` is built from, names and contents. */
function sourcesHash() {
  const hash = createHash("sha256");
  const files = inputs.flatMap((p) => filesUnder(join(root, p))).sort();
  for (const file of files)
    hash.update(relative(root, file)).update("\0").update(readFileSync(file));
  return hash.digest("hex");
}

const hash = sourcesHash();
const built = existsSync(stampFile) && readFileSync(stampFile, "utf8") === hash;
if (built && outputs.every((f) => existsSync(join(root, f)))) {
  console.error("dist is built from these sources already");
} else {
  execSync("npm run build", { cwd: root, stdio: ["ignore", process.stderr, process.stderr] });
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, hash);
}
