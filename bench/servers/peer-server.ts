/**
 * The peer of benchmark 13, in a process of its own: `@langchain/langgraph-api`, the
 * server `langgraph dev` runs, serving the echo graph (`peer-graph.ts`) as the
 * assistant `echo` with its in-memory storage and 10 workers (the CLI's default jobs
 * per worker). It keeps its files in a new temporary folder, removed when it stops.
 * Prints `{"url": ...}` once it listens.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// Read when its logger loads: only errors, and none on stdout before the ready line.
process.env.LOG_LEVEL ??= "error";
process.env.LANGSMITH_TRACING = "false";
const { startServer } = await import("@langchain/langgraph-api/server");

const cwd = mkdtempSync(join(tmpdir(), "acp-bench-peer-"));
const graph = fileURLToPath(new URL("./peer-graph.ts", import.meta.url));
const { host, cleanup } = await startServer({
  port: 0,
  nWorkers: 10,
  host: "127.0.0.1",
  cwd,
  graphs: { echo: `${graph}:graph` },
});
const stop = async () => {
  await cleanup().catch(() => undefined);
  rmSync(cwd, { recursive: true, force: true });
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.stdout.write(`${JSON.stringify({ url: `http://${host}` })}\n`);
