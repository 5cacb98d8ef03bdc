/**
 * A SQLite store's checkpoints (the copy of its write-ahead log back into the file),
 * made in a worker thread with a connection of its own instead of by the store's
 * connection after a commit. SQLite's own checkpoint, every 1,000 pages of log, runs in
 * the commit that crosses the mark: it reads those pages, writes them into the file and
 * flushes it, all on the thread that serves requests. From the worker, the server's
 * thread only tells it that something was written.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { ApiValueError } from "../../core/errors.js";
import { messageOf } from "../../core/message-of.js";
import { ownFile } from "../../core/own-file.js";
import type { StoreLogger } from "./codec.js";

/**
 * Who copies a SQLite file's write-ahead log back into it: `"worker"`, a worker thread
 * of the store's own, at most once every `checkpointIntervalMs` while the store writes;
 * `"connection"`, the store's connection in the commit that takes the log past 1,000
 * pages, as SQLite does by default. An in-memory database (`":memory:"`) has no log.
 */
export type SqliteCheckpoints = "worker" | "connection";

/** The default of `checkpointIntervalMs`. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 200;

/** The longest a Node.js timer waits, in milliseconds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** SQLite's own default: a checkpoint once the log holds this many pages. */
const SQLITE_AUTOCHECKPOINT = 1000;

/** The part of the store's database the checkpoints use. */
interface CheckpointedDatabase {
  readonly name: string;
  readonly memory?: boolean;
  pragma(source: string): unknown;
}

/** How the checkpoints of one store are made. */
export interface CheckpointSettings {
  checkpoints: SqliteCheckpoints;
  intervalMs: number;
  logger: StoreLogger;
  /** Test-only: the worker's checkpoints fail. */
  failing?: boolean;
}

/** Validates the options of a SQLite store's checkpoints, naming the one that is wrong. */
export function checkpointSettings(
  checkpoints: unknown,
  intervalMs: unknown,
): { checkpoints: SqliteCheckpoints; intervalMs: number } {
  const mode = checkpoints ?? "worker";
  if (mode !== "worker" && mode !== "connection") {
    throw new ApiValueError(
      `checkpoints must be "worker" or "connection", got ${JSON.stringify(mode)}`,
      ["checkpoints"],
    );
  }
  const interval = intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
  if (
    typeof interval !== "number" ||
    !Number.isInteger(interval) ||
    interval < 1 ||
    interval > MAX_TIMER_MS
  ) {
    throw new ApiValueError(
      `checkpointIntervalMs must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${JSON.stringify(interval)}`,
      ["checkpointIntervalMs"],
    );
  }
  return { checkpoints: mode, intervalMs: interval };
}

/**
 * The worker's code: it opens the file, checkpoints it (`PASSIVE`: without waiting
 * for the store's readers or writer) each time it is asked, and closes it when told.
 * Given as source, so that it needs no file of its own in the package's builds.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
let db;
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.filename, { fileMustExist: true });
} catch (err) {
  parentPort.postMessage({ failed: String((err && err.message) || err) });
}
parentPort.on("message", (message) => {
  if (message === "close") {
    db?.close();
    parentPort.close();
    return;
  }
  if (workerData.failing) {
    parentPort.postMessage({ failed: "checkpoint failed (test fault)" });
    return;
  }
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({});
  } catch (err) {
    parentPort.postMessage({ failed: String((err && err.message) || err) });
  }
});
`;

/** What the worker answers a checkpoint: nothing when it is made, else what failed. */
interface WorkerAnswer {
  failed?: string;
}

/** A store's checkpoints: `wrote` after each write; `close` before the database's. */
export interface Checkpoints {
  wrote(): void;
  close(): Promise<void>;
}

/** SQLite's own: nothing to do. */
const BY_CONNECTION: Checkpoints = {
  wrote() {},
  async close() {},
};

/**
 * Starts the checkpoints of an open database. A file's, with `"worker"`, are made by a
 * worker thread; if the worker cannot start or a checkpoint fails, the store's
 * connection takes them back (SQLite's default) and the logger says why.
 */
export function startCheckpoints(
  db: CheckpointedDatabase,
  settings: CheckpointSettings,
): Checkpoints {
  if (settings.checkpoints === "connection" || db.memory === true) return BY_CONNECTION;
  return new WorkerCheckpoints(db, settings);
}

class WorkerCheckpoints implements Checkpoints {
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A checkpoint asked for and not yet answered. */
  private asked = false;

  constructor(
    private readonly db: CheckpointedDatabase,
    private readonly settings: CheckpointSettings,
  ) {
    // Off before the worker starts: a connection that refuses this fails the store's
    // opening, with no worker left running.
    this.db.pragma("wal_autocheckpoint = 0");
    try {
      const driver = createRequire(ownFile()).resolve("better-sqlite3");
      this.worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { driver, filename: db.name, failing: settings.failing === true },
      });
    } catch (err) {
      this.giveBack(messageOf(err));
      return;
    }
    this.worker.unref();
    const worker = this.worker;
    // Each ends the worker's part only while it is still this store's worker.
    worker.on("message", (answer: WorkerAnswer) => {
      this.asked = false;
      if (answer.failed !== undefined && this.worker === worker) this.giveBack(answer.failed);
    });
    worker.on("error", (err) => {
      if (this.worker === worker) this.giveBack(messageOf(err));
    });
    worker.on("exit", (code) => {
      if (this.worker === worker) this.giveBack(`the worker exited with code ${code}`);
    });
  }

  /** Asks for a checkpoint `intervalMs` from now, unless one is asked for already. */
  wrote(): void {
    if (!this.worker || this.timer || this.asked) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.asked = true;
      this.worker?.postMessage("checkpoint");
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  /** Closes the worker's connection, so that the store's, closed next, is the file's last. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    // Held until it has closed: a process with nothing else to do would otherwise end
    // before the store's connection closes.
    worker.ref();
    worker.postMessage("close");
    await exited;
  }

  /** The store's connection checkpoints again, as SQLite does by default. */
  private giveBack(reason: string): void {
    clearTimeout(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    let taken = "the store's connection makes them instead";
    try {
      this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
    } catch (err) {
      // A closed or damaged database: its next operation says so.
      taken = `the store's connection could not take them back: ${messageOf(err)}`;
    }
    this.settings.logger.warn(
      `SQLite store ${this.db.name}: checkpoints in a worker thread stopped (${reason}); ${taken}`,
    );
  }
}
