/**
 * The server entry point the server benchmarks run: the built package (`dist/`, what
 * users install and run), or the sources through tsx when it is not built. `npm run
 * bench` builds it first when the sources changed, so the numbers are the package's.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

type ServerModule = typeof import("../../src/server/index.js");

const built = new URL("../../dist/server/index.js", import.meta.url);

/** Where the server came from: "dist" or "src". */
export const serverSource: "dist" | "src" = existsSync(fileURLToPath(built)) ? "dist" : "src";

/** The server module: `dist/server/index.js` when built, else `src/server/index.ts`. */
export const server: ServerModule = (await import(
  serverSource === "dist" ? built.href : "../../src/server/index.js"
)) as ServerModule;
