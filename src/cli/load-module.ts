/** Imports the module `acp serve` serves: JavaScript as it is, TypeScript through tsx. */
import { resolve } from "node:path";
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

/** The exports of the module at `modulePath`. */
export async function loadModule(modulePath: string): Promise<Record<string, unknown>> {
  if (typeScript.test(modulePath)) await registerTypeScript(modulePath);
  try {
    return await import(pathToFileURL(resolve(modulePath)).href);
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new CliError(`cannot load ${modulePath}: ${why}`);
  }
}
