/**
 * npm runs `prepare` on `npm install` in a clone, on `npm pack`, and when this
 * package is installed from a git URL: each of those needs `dist`, so it is built.
 * `npm ci` sets a clone up for working on it, where the demo, the tests and
 * `npm run acp` run from the sources and CI builds in a step of its own; it skips
 * the build, so the first command of the README installs and nothing more.
 */
import { execSync } from "node:child_process";

if (process.env.npm_command === "ci") {
  console.log("prepare: npm ci does not build dist; `npm run build` does");
} else {
  execSync("npm run build", { stdio: "inherit" });
}
