/** Imports the module `acp serve` serves: JavaScript as it is, TypeScript through tsx. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CliError } from "./cli-error.js";

const typeScript = /\.[cm]?ts$/;

/**
 * Makes Node able to import TypeScript, with tsx from the user's installation (an
 * optional peer of this package). Registering its hooks, rather than importing the
 * one file through tsx, keeps one copy of every package the module and the server
 * share, so LangGraph's own classes stay the same on both sides.
 */
async function registerTypeScript(modulePath: string): Promise<void> {
  let tsx: typeof import("tsx/esm/api");
  try {
    tsx = await import("tsx/esm/api");
  } catch {
    throw new CliError(
      `cannot load ${modulePath}: a TypeScript module needs tsx (npm install --save-dev tsx), or build it to JavaScript`,
    );
  }
  tsx.register();
}

/** The package.json that decides how Node reads `file`, and its `type`. */
function packageScope(file: string): { path: string; type: string | undefined } | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const path = join(dir, "package.json");
    if (existsSync(path)) {
      try {
        const type = (JSON.parse(readFileSync(path, "utf8")) as { type?: unknown }).type;
        return { path, type: typeof type === "string" ? type : undefined };
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * What to change when Node read the module as CommonJS and it imports this package,
 * which is ES modules: Node 20 cannot `require()` an ES module that is part of a
 * cycle, and a `.ts` or `.js` file in a `"type": "commonjs"` package (what `npm init`
 * writes) is read as CommonJS.
 */
function commonJsHint(file: string, err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  const text = err instanceof Error ? err.message : "";
  const requiredEsm =
    code === "ERR_REQUIRE_CYCLE_MODULE" ||
    code === "ERR_REQUIRE_ESM" ||
    code === "ERR_REQUIRE_ASYNC_MODULE" ||
    /Cannot require\(\) ES Module/.test(text);
  if (!requiredEsm || /\.m[jt]s$/.test(file)) return undefined;
  const scope = packageScope(file);
  if (scope && scope.type !== "commonjs") return undefined;
  const where = scope
    ? `${scope.path} says "type": "${scope.type}"`
    : "no package.json gives a type";
  const ext = file.endsWith("ts") ? ".mts" : ".mjs";
  return `Node reads it as CommonJS (${where}); rename it to ${ext}, or set "type": "module" in that package.json`;
}

/** The exports of the module at `modulePath`. */
export async function loadModule(modulePath: string): Promise<Record<string, unknown>> {
  if (typeScript.test(modulePath)) await registerTypeScript(modulePath);
  const file = resolve(modulePath);
  try {
    return await import(pathToFileURL(file).href);
  } catch (err) {
    const why =
      commonJsHint(file, err) ?? (err instanceof Error ? err.message.split("\n")[0] : String(err));
    throw new CliError(`cannot load ${modulePath}: ${why}`);
  }
}
