/**
 * What the README and `docs/` state that the repository can check: every relative
 * link reaches a file (and a heading, when it names one), the compatibility table
 * says what package.json says, and the performance page quotes only figures that
 * bench/RESULTS.md holds.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { ACP_VERSION } from "../../src/version.js";
import { docPages, root } from "../helpers/readme.js";

const read = (page: string) => readFileSync(join(root, page), "utf8");

/** A page's text without its fenced blocks and code spans, where `[...](...)` is no link. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "code");
}

/** The anchors GitHub gives a page's headings. */
function anchors(text: string): Set<string> {
  const withoutBlocks = text.replace(/^```[\s\S]*?^```/gm, "");
  const slugs = new Set<string>();
  for (const [, heading] of withoutBlocks.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (heading as string)
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replaceAll(" ", "-");
    slugs.add(slug);
  }
  return slugs;
}

describe("the links of the README and docs/", () => {
  const pages = [...docPages(), "CHANGELOG.md"];

  it("reach files and headings that exist", () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, target] of prose(read(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target as string)) continue;
        const [path = "", anchor] = (target as string).split("#");
        const file = path === "" ? page : normalize(join(dirname(page), path));
        if (!existsSync(join(root, file))) {
          broken.push(`${page}: ${target} (no ${file})`);
        } else if (
          anchor !== undefined &&
          file.endsWith(".md") &&
          !anchors(read(file)).has(anchor)
        ) {
          broken.push(`${page}: ${target} (no heading #${anchor} in ${file})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("link every page of docs/ from the README", () => {
    const readme = read("README.md");
    const unlinked = docPages()
      .filter((page) => page !== "README.md")
      .filter((page) => !readme.includes(`](${page})`));
    expect(unlinked).toEqual([]);
  });
});

describe("the README's dependency table", () => {
  it("names every runtime dependency of package.json", () => {
    const pkg = JSON.parse(read("package.json"));
    const readme = read("README.md");
    const header = readme.indexOf("| package ");
    const table = readme.slice(header, readme.indexOf("\n\n", header));
    expect(header).toBeGreaterThan(0);
    const named = [...table.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(Object.keys(pkg.dependencies).filter((name) => !named.includes(name))).toEqual([]);
  });
});

describe("the README's compatibility table", () => {
  const pkg = JSON.parse(read("package.json"));
  const rows = new Map(
    [...read("README.md").matchAll(/^\| *(.+?) *\| *`?([^|`]+?)`? *\|$/gm)].map((m) => [
      (m[1] as string).replaceAll("`", ""),
      m[2] as string,
    ]),
  );

  it("says what package.json says of Node.js and the @langchain peers", () => {
    const langchain = Object.entries(pkg.peerDependencies as Record<string, string>).filter(
      ([name]) => name.startsWith("@langchain/"),
    );
    expect(langchain.length).toBeGreaterThanOrEqual(2);
    expect(rows.get("Node.js")).toBe(pkg.engines.node);
    for (const [name, range] of langchain)
      expect({ name, range: rows.get(name) }).toEqual({ name, range });
  });

  it("names the protocol version the library implements", () => {
    expect(rows.get("Agent Connect Protocol")).toBe(ACP_VERSION);
  });
});

describe("docs/performance.md", () => {
  it("quotes only figures that bench/RESULTS.md holds", () => {
    const results = read("bench/RESULTS.md");
    const numbers = prose(read("docs/performance.md"))
      .replace(/\]\([^)]*\)/g, "]")
      .match(/\d+(?:[.,]\d+)*/g);
    const unheld = [...new Set(numbers)].filter((n) => {
      const escaped = n.replaceAll(".", "\\.");
      return !new RegExp(`(?<![\\d.,])${escaped}(?![\\d]|[.,]\\d)`).test(results);
    });
    expect(numbers?.length).toBeGreaterThanOrEqual(20);
    expect(unheld).toEqual([]);
  });
});
