import { rmSync } from "node:fs";
import { defineConfig, type Options } from "tsup";

/** The package's entry points: each is built as ESM and CommonJS, with types for both. */
const library = {
  index: "src/index.ts",
  "langgraph/index": "src/langgraph/index.ts",
  "server/index": "src/server/index.ts",
  "manifest/index": "src/manifest/index.ts",
};

const shared: Options = {
  sourcemap: true,
  target: "node20",
  splitting: true,
  treeshake: true,
  // The two builds below write into one folder at the same time, so it is cleaned once, up front.
  clean: false,
  // Loaded only to serve a TypeScript module, from the user's own installation.
  external: ["tsx"],
};

/**
 * The playground page's script (`acp serve --ui`): the client entry and the page,
 * bundled for browsers into one file the server sends from `dist/ui/`. Node-only
 * modules stay out: the client loads them only on Node.
 */
export const playground: Options = {
  entry: { "ui/playground": "src/ui/main.ts" },
  format: ["esm"],
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: false,
  splitting: false,
  treeshake: true,
  clean: false,
  dts: false,
  noExternal: [/.*/],
  external: [/^node:/, "undici", /^@opentelemetry\//],
  outExtension: () => ({ js: ".js" }),
};

export default defineConfig((cli) => {
  rmSync(cli.outDir ?? "dist", { recursive: true, force: true });
  return [
    // The `acp` command is ESM only (`bin` points at it), sharing chunks with the ESM library.
    {
      ...shared,
      entry: { ...library, "cli/index": "src/cli/index.ts" },
      format: ["esm"],
      dts: { entry: library },
    },
    { ...shared, entry: library, format: ["cjs"], dts: true },
    playground,
  ];
});
