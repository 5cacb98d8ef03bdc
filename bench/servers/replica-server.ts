/**
 * The server side of the replica benchmark, in a process of its own: serves an echo
 * graph with the project's ACP server on the store named by its arguments (`postgres
 * URL SCHEMA` or `sqlite FILE`). Prints `{"url": ...}`.
 */
import { serveACP } from "../../src/server/index.js";
import { postgresStore } from "../../src/server/stores/postgres.js";
import { sqliteStore } from "../../src/server/stores/sqlite.js";
import { echoAgent } from "./echo-agent.js";

const [kind, where, schema] = process.argv.slice(2);
if ((kind !== "postgres" && kind !== "sqlite") || !where) {
  throw new Error("usage: replica-server postgres URL SCHEMA | sqlite FILE");
}

const running = await serveACP({
  agents: [echoAgent()],
  store:
    kind === "postgres" ? postgresStore(where, { schema: schema ?? "acp" }) : sqliteStore(where),
  port: 0,
  logger: { warn: () => undefined },
});
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
