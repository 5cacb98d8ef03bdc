/**
 * Every error the library throws derives from `OpenApiException` (the command
 * line aside, whose errors end the process): no source file outside `src/cli/`
 * builds a plain `Error` (or `TypeError`, `RangeError`…), and every error class
 * it defines has the base among its ancestors.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "../helpers/readme.js";

const BASE = "OpenApiException";
/** The runtime's error classes: extending or building one directly skips the base. */
const builtinErrors = [
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "ReferenceError",
  "EvalError",
  "URIError",
  "AggregateError",
];
const builtinError = new RegExp(
  `(?:\\bnew\\s+|\\bthrow\\s+)(${builtinErrors.join("|")})\\s*\\(`,
  "g",
);
const classDeclaration = /\bclass\s+(\w+)(?:\s*<[^{]*?>)?\s+extends\s+([\w.]+)/g;

/** The source without its comments, line numbers kept (a comment may name `new Error(`). */
function withoutComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

interface SourceFile {
  path: string;
  text: string;
}

/** Where the files build a runtime error class directly, as `file:line: Name`. */
function plainErrors(files: readonly SourceFile[]): string[] {
  return files.flatMap(({ path, text }) => {
    const code = withoutComments(text);
    return [...code.matchAll(builtinError)].map((match) => {
      const line = code.slice(0, match.index).split("\n").length;
      return `${path}:${line}: ${match[1]}`;
    });
  });
}

/**
 * The error classes the files define that do not derive from the base, as
 * `file: Name extends Parent`. An error class is one whose name ends in `Error` or
 * `Exception`, or whose ancestors reach a runtime error class.
 */
function classesOutsideBase(files: readonly SourceFile[]): string[] {
  const parents = new Map<string, string>();
  const declared: { path: string; name: string; parent: string }[] = [];
  for (const { path, text } of files) {
    for (const match of withoutComments(text).matchAll(classDeclaration)) {
      const name = match[1] as string;
      const parent = (match[2] as string).split(".").pop() as string;
      parents.set(name, parent);
      declared.push({ path, name, parent });
    }
  }
  const ancestors = (name: string): string[] => {
    const chain: string[] = [];
    for (
      let at = parents.get(name);
      at !== undefined && !chain.includes(at);
      at = parents.get(at)
    ) {
      chain.push(at);
    }
    return chain;
  };
  return declared
    .filter(({ name }) => {
      const chain = ancestors(name);
      const isError =
        /(?:Error|Exception)$/.test(name) || chain.some((a) => builtinErrors.includes(a));
      return isError && name !== BASE && !chain.includes(BASE);
    })
    .map(({ path, name, parent }) => `${path}: ${name} extends ${parent}`);
}

/** The library's sources outside the command line. */
function librarySources(): SourceFile[] {
  const src = join(root, "src");
  return readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file) && !file.endsWith(".d.ts"))
    .map((file) => relative(root, join(src, file)).split("\\").join("/"))
    .filter((path) => !path.startsWith("src/cli/"))
    .map((path) => ({ path, text: readFileSync(join(root, path), "utf8") }));
}

describe("the library's errors", () => {
  const files = librarySources();

  it("reads the library's sources", () => {
    expect(files.map((f) => f.path)).toContain("src/core/errors.ts");
    expect(files.some((f) => f.path.startsWith("src/cli/"))).toBe(false);
  });

  it("are never a runtime error class built directly outside the command line", () => {
    expect(plainErrors(files)).toEqual([]);
  });

  it("all derive from OpenApiException", () => {
    expect(classesOutsideBase(files)).toEqual([]);
  });

  it("are told apart: a plain Error, an error class outside the base and one inside it", () => {
    const sample: SourceFile[] = [
      {
        path: "src/a.ts",
        text: [
          "// a comment may say throw new Error(",
          "export class OpenApiException extends Error {}",
          "class Mine extends OpenApiException {}",
          "class Deeper extends Mine {}",
          "class Stray extends Error {}",
          "class StrayChild extends Stray {}",
          "class LooseError extends Base.Thing {}",
          "class Helper extends Runnable {}",
          "const e = new TypeError('x');",
          "throw Error('y');",
        ].join("\n"),
      },
    ];
    expect(plainErrors(sample)).toEqual(["src/a.ts:9: TypeError", "src/a.ts:10: Error"]);
    expect(classesOutsideBase(sample)).toEqual([
      "src/a.ts: Stray extends Error",
      "src/a.ts: StrayChild extends Stray",
      "src/a.ts: LooseError extends Thing",
    ]);
  });
});
