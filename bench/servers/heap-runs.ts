/**
 * The process of benchmark 7, started with `--expose-gc`: an ACP server and a
 * 16-connection client in one process. Posts `total` stateless echo runs and, every
 * `every` runs, collects garbage and records the heap. Prints one JSON line. The store
 * is `memory:<bytes>` (a memory store with that budget) or `sqlite` (SQLite `:memory:`,
 * outside the JavaScript heap).
 */
import { Pool } from "undici";
import { server } from "../lib/server-module.js";
import { postWaitRuns } from "../lib/wait-load.js";
import { echoAgent } from "./echo-agent.js";

const [total, every] = [Number(process.argv[2]), Number(process.argv[3])];
const storeArg = process.argv[4] ?? "sqlite";
const { memoryStore, serveACP, sqliteStore } = server;
const store = storeArg.startsWith("memory:")
  ? memoryStore({ maxBytes: Number(storeArg.slice("memory:".length)) })
  : sqliteStore(":memory:");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("start this script with node --expose-gc");
const heapMb = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const running = await serveACP({
  agents: [echoAgent()],
  port: 0,
  store,
  logger: { warn: () => undefined },
});
const pool = new Pool(running.url, { connections: 16 });
const samples: Array<[number, number]> = [[0, heapMb()]];
await postWaitRuns([pool], 16, total, (answered) => {
  if (answered % every === 0) samples.push([answered, heapMb()]);
});
await pool.close();
await running.close();
process.stdout.write(`${JSON.stringify({ samples })}\n`);
