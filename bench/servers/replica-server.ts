/**
 * The server side of the replica benchmark, in a process of its own: serves an echo
 * graph with the project's ACP server on the store named by its arguments (`postgres
 * URL SCHEMA` or `sqlite FILE`). Prints `{"url": ...}`.
 */
import { server } from "../lib/server-module.js";
import { echoAgent } from "./echo-agent.js";

const [kind, where, schema] = process.argv.slice(2);
if ((kind !== "postgres" && kind !== "sqlite") || !where) {
  throw new Error("usage: replica-server postgres URL SCHEMA | sqlite FILE");
}

const { postgresStore, serveACP, sqliteStore } = server;
const running = await serveACP({
  agents: [echoAgent()],
  store:
    kind === "postgres" ? postgresStore(where, { schema: schema ?? "acp" }) : sqliteStore(where),
  port: 0,
  logger: { warn: () => undefined },
});
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
