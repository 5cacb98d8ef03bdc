/**
 * What browsers reach besides the API: the playground page under `/ui` and, for pages
 * on other origins, CORS. Both are mounted before the API key check: a preflight
 * carries no key, and the page asks for the key itself.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Hono } from "hono";
import { cors } from "hono/cors";
import { ownFile } from "../../core/own-file.js";
import type { ACPServerOptions } from "../options.js";

/** The headers the client sends by itself: its key, a stream's re-join, the trace. */
const CLIENT_HEADERS = ["content-type", "x-api-key", "last-event-id", "traceparent", "tracestate"];

/** The bundle's name in the package's `dist/ui/` (tsup.config.ts builds it). */
const SCRIPT = "playground.js";

/**
 * Only the server itself may be reached by the page: a missing asset can never be
 * filled in from elsewhere, and the API key typed into the page goes nowhere else.
 */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The page: the script does the rest; the styles keep it readable before it loads. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ACP playground</title>
<link rel="icon" href="data:,">
<script type="module" src="ui/${SCRIPT}"></script>
</head>
<body>
<div id="app"><p>Loading the ACP playground…</p></div>
<noscript>The playground needs JavaScript.</noscript>
</body>
</html>
`;

/**
 * The built page script: in `dist/ui/` of the package, found from the sources
 * (`src/core/`) or from the build (`dist/` or one of its folders).
 */
function findScript(): string | undefined {
  let dir = dirname(ownFile());
  for (let up = 0; up < 4; up += 1) {
    for (const candidate of [join(dir, "ui", SCRIPT), join(dir, "dist", "ui", SCRIPT)]) {
      if (existsSync(candidate)) return candidate;
    }
    dir = dirname(dir);
  }
  return undefined;
}

/** Mounts CORS and the playground on `app` as `options` ask; both are off by default. */
export function mountBrowserAccess(app: Hono, options: ACPServerOptions): void {
  if (options.cors) {
    const { origins, headers = [] } = options.cors;
    app.use(
      "*",
      cors({
        origin: origins === "*" ? "*" : [...origins],
        allowHeaders: [...new Set([...CLIENT_HEADERS, ...headers.map((h) => h.toLowerCase())])],
        allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        exposeHeaders: ["retry-after", "location", "content-location"],
        maxAge: 600,
      }),
    );
  }
  if (options.ui !== true) return;
  app.get("/ui", (c) => {
    c.header("content-security-policy", PAGE_POLICY);
    c.header("x-content-type-options", "nosniff");
    return c.html(PAGE);
  });
  app.get("/ui/", (c) => c.redirect("../ui", 301));
  app.get(`/ui/${SCRIPT}`, (c) => {
    const file = findScript();
    if (!file) {
      return c.text("the playground is not built: run `npm run build` in the package", 503);
    }
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header("cache-control", "no-cache");
    c.header("x-content-type-options", "nosniff");
    return c.body(readFileSync(file, "utf8"));
  });
}
