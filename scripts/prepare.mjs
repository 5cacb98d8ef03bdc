/**
 * npm runs `prepare` on `npm install` in a clone, on `npm pack`, and when this
 * package is installed from a git URL: each of those needs `dist`, so it is built,
 * unless it was already built from the same sources (their hash is kept in .tmp/).
 * `npm ci` sets a clone up for working on it, where the demo, the tests and
 * `npm run acp` run from the sources; it skips the build, so the README's first
 * command installs and nothing more. CI runs this script itself after `npm ci`.
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

if (process.env.npm_command === "ci") {
  console.log("prepare: npm ci does not build dist; `npm run build` does");
} else {
  const hash = sourcesHash();
  const built = existsSync(stampFile) && readFileSync(stampFile, "utf8") === hash;
  if (built && outputs.every((f) => existsSync(join(root, f)))) {
    console.log("prepare: dist is built from these sources already");
  } else {
    execSync("npm run build", { cwd: root, stdio: "inherit" });
    mkdirSync(dirname(stampFile), { recursive: true });
    writeFileSync(stampFile, hash);
  }
}
