/**
 * The LangGraph nodes run on LangChain's own runnable machinery: no class under
 * `src/` writes its own `invoke`, and nothing reaches for the async-local config
 * store (`AsyncLocalStorageProviderSingleton`) that `invoke` fills in. The nodes
 * are `RunnableLambda`s whose `invoke` is LangChain's.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { A2ANode, ACPNode, APIBridgeAgentNode, StateNode } from "../../src/langgraph/index.js";
import { root } from "../helpers/readme.js";

interface SourceFile {
  path: string;
  text: string;
}

function sources(): SourceFile[] {
  const src = join(root, "src");
  return readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts"))
    .map((path) => ({ path: `src/${path}`, text: readFileSync(join(src, path), "utf8") }));
}

/** The source without its comments, line numbers kept (a comment may name what is banned). */
function withoutComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Where `pattern` matches the code of `files`, as `file:line`. */
function matches(files: readonly SourceFile[], pattern: RegExp): string[] {
  return files.flatMap(({ path, text }) => {
    const code = withoutComments(text);
    return [...code.matchAll(pattern)].map(
      (match) => `${path}:${code.slice(0, match.index).split("\n").length}`,
    );
  });
}

/** A method named `invoke` in a class body (a call such as `x.invoke(` is not one). */
const invokeMethod = /^[ \t]*(?:(?:public|protected|override|async)\s+)*invoke\s*[(<]/gm;
const asyncLocalStore = /AsyncLocalStorageProviderSingleton|@langchain\/core\/singletons/g;

describe("LangGraph through its public API", () => {
  it("no source file defines an invoke method of its own", () => {
    expect(matches(sources(), invokeMethod)).toEqual([]);
  });

  it("no source file uses LangChain's async-local config store", () => {
    expect(matches(sources(), asyncLocalStore)).toEqual([]);
  });

  it("the scans find what they look for", () => {
    const planted = [
      {
        path: "planted.ts",
        text: [
          'import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";',
          "class Node extends Runnable {",
          "  override async invoke(state: unknown) {",
          "    return runnable.invoke(state);",
          "  }",
          "  // invoke(state) in a comment is no method",
          "}",
        ].join("\n"),
      },
    ];
    expect(matches(planted, invokeMethod)).toEqual(["planted.ts:3"]);
    expect(matches(planted, asyncLocalStore)).toEqual(["planted.ts:1", "planted.ts:1"]);
  });

  it.each([
    ["StateNode", StateNode],
    ["ACPNode", ACPNode],
    ["A2ANode", A2ANode],
    ["APIBridgeAgentNode", APIBridgeAgentNode],
  ])("%s is a RunnableLambda whose invoke is LangChain's", (_name, node) => {
    expect(node.prototype).toBeInstanceOf(RunnableLambda);
    expect(node.prototype.invoke).toBe(RunnableLambda.prototype.invoke);
  });
});
