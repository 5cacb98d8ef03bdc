/**
 * A throwaway PostgreSQL server of a test's own, which the test may restart: the
 * server the other tests share (`ACP_TEST_POSTGRES_URL`) must never be restarted.
 * It is made with the PostgreSQL binaries found on the machine (`initdb`, `pg_ctl`,
 * `postgres`), in a temporary directory, on a free port, and removed by `remove()`.
 * PostgreSQL refuses to run as root: as root, it runs as the `postgres` user.
 */
import { execFile } from "node:child_process";
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where the PostgreSQL server binaries may be. */
const BIN_DIRS = ["/usr/local/bin"];
const VERSIONED = "/usr/lib/postgresql";

/** The directory holding `initdb`, `pg_ctl` and `postgres`, if the machine has them. */
function findBinaries(): string | undefined {
  const dirs = [...BIN_DIRS];
  try {
    // Debian installs each major version under its own directory.
    for (const v of readdirSync(VERSIONED)) dirs.push(join(VERSIONED, v, "bin"));
  } catch {
    // No Debian packages: the fixed places only.
  }
  return dirs.find((dir) =>
    ["initdb", "pg_ctl", "postgres"].every((name) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }),
  );
}

/** The binaries' directory, or undefined when PostgreSQL is not installed. */
export const postgresBinaries = findBinaries();

if (postgresBinaries === undefined) {
  if (process.env.CI) {
    throw new Error("PostgreSQL server binaries not found: CI runs the restart tests (.ci/run)");
  }
  console.warn(
    "postgres: no initdb/pg_ctl/postgres found; skipping the tests that restart a PostgreSQL (install Debian's postgresql to run them)",
  );
}

/** A PostgreSQL server a test owns. */
export interface TestCluster {
  /** The URL of its `postgres` database. */
  readonly url: string;
  /** Restarts it as `pg_ctl restart -m fast` does: every connection is terminated. */
  restart(): Promise<void>;
  /** Stops it (`-m fast`): connections are terminated and new ones refused until `start`. */
  stop(): Promise<void>;
  /** Starts it again after `stop`. */
  start(): Promise<void>;
  /** Stops it, at once, and removes its data. */
  remove(): Promise<void>;
  /** The id of its main process (the postmaster) while it runs, from `postmaster.pid`. */
  postmasterPid(): number | undefined;
}

const asRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when this process is root. */
async function pgExec(bin: string, args: string[]): Promise<void> {
  const file = join(postgresBinaries as string, bin);
  if (!asRoot) {
    await run(file, args);
    return;
  }
  const quoted = [file, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  await run("su", ["postgres", "-s", "/bin/sh", "-c", quoted]);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Creates and starts a throwaway server (only call when {@link postgresBinaries} is set). */
export async function startTestCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), "acp-pg-"));
  if (asRoot) {
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, "data");
  const port = await freePort();
  await pgExec("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off`;
  const ctl = (...args: string[]) =>
    pgExec("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", ...args, "-o", options]);
  await ctl("start");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctl("restart", "-m", "fast"),
    stop: () => pgExec("pg_ctl", ["-D", data, "-w", "-m", "fast", "stop"]),
    start: () => ctl("start"),
    async remove() {
      await pgExec("pg_ctl", ["-D", data, "-m", "immediate", "stop"]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
    postmasterPid() {
      try {
        const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run("id", ["postgres"]);
  const uid = /uid=(\d+)/.exec(stdout)?.[1];
  const gid = /gid=(\d+)/.exec(stdout)?.[1];
  if (uid === undefined || gid === undefined) throw new Error("no postgres user");
  return { uid: Number(uid), gid: Number(gid) };
}
