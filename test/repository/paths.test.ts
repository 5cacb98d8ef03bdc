/**
 * The repository stands alone: no tracked file names a path outside it, so a clone
 * in any folder reads only what it carries.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "../helpers/readme.js";

/** Files that are data of other projects or of npm, not paths of ours. */
const skipped = new Set(["package-lock.json"]);

function trackedTextFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" });
  return out
    .split("\0")
    .filter((f) => f !== "" && !skipped.has(f))
    .filter((f) => !readFileSync(resolve(root, f)).includes(0));
}

/** A relative path that climbs: `../x`, `../../x/y`, as code, links and docs write them. */
const climbing = /(?<![\w./-])((?:\.\.\/)+)([\w@.-]+)/g;
/** Folders beside a checkout that a clone does not have, however they are reached. */
const besideFolders = /\bshared\/(?:acp-spec|samples|seed|tools|hooks|DESIGN)/;
/** Home folders of a machine. */
const machinePaths = /(?:^|[\s"'`(=])(?:\/home\/|\/Users\/|\/root\/)/;

/** Where a file names something outside the repository, as `file:line: text`. */
function outsideReferences(file: string, text: string): string[] {
  const found: string[] = [];
  text.split("\n").forEach((line, index) => {
    const where = `${file}:${index + 1}: ${line.trim().slice(0, 120)}`;
    for (const match of line.matchAll(climbing)) {
      const target = resolve(root, dirname(file), `${match[1]}${match[2]}`);
      const rel = relative(root, target);
      if (rel.startsWith("..") || isAbsolute(rel)) found.push(where);
    }
    if (besideFolders.test(line) || machinePaths.test(line)) found.push(where);
  });
  return [...new Set(found)];
}

describe("the repository", () => {
  it("names no path outside itself in any tracked file", () => {
    const breaches = trackedTextFiles().flatMap((file) =>
      outsideReferences(file, readFileSync(resolve(root, file), "utf8")),
    );
    expect(breaches).toEqual([]);
  });

  it("is told apart: a path climbing out, a folder beside it and a home folder are found", () => {
    // Written in pieces, so that this file names no such path itself.
    const up = "../";
    expect(
      outsideReferences("test/helpers/spec.ts", `resolve(root, "${up.repeat(3)}x/spec.json")`),
    ).toHaveLength(1);
    expect(outsideReferences("scripts/a.mjs", `resolve(root, "${up}data/file.json")`)).toHaveLength(
      0,
    );
    expect(
      outsideReferences("a.md", `read ${["shared", "acp-spec", "openapi.json"].join("/")}`),
    ).toHaveLength(1);
    expect(
      outsideReferences("a.md", `path = "${["", "home", "me", "spec.json"].join("/")}"`),
    ).toHaveLength(1);
    expect(
      outsideReferences("test/unit/a.test.ts", `import "${up.repeat(2)}src/index.js"`),
    ).toHaveLength(0);
  });
});
