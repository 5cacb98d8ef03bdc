/**
 * Opens a SQLite store on the file named by the first argument, writes a thread, closes
 * the store and prints whether the file's log is still there. Nothing else keeps the
 * process alive meanwhile.
 */
import { existsSync } from "node:fs";
import { sqliteStore } from "../../../src/server/index.js";

const [file] = process.argv.slice(2) as [string];
const store = sqliteStore(file, { checkpointIntervalMs: 5 });
const at = new Date().toISOString();
await store.threads.create({
  thread_id: "closing",
  created_at: at,
  updated_at: at,
  metadata: {},
  status: "idle",
});
await store.close();
process.stdout.write(JSON.stringify({ closed: true, log: existsSync(`${file}-wal`) }));
