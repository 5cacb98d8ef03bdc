/**
 * Benchmark 8: stateless echo runs per second (wait endpoint) through 1, 2 and 3
 * replicas of the ACP server sharing one PostgreSQL database, the load spread
 * round-robin over them; and one replica on the PostgreSQL store as a ratio to one on
 * the SQLite store. Needs a PostgreSQL server: `ACP_BENCH_POSTGRES_URL` (or
 * `ACP_TEST_POSTGRES_URL`); skipped without one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { type Child, startChild } from "./lib/child.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { fmt, median } from "./lib/stats.js";
import { postWaitRuns } from "./lib/wait-load.js";

const CONCURRENCY = 32;

/** Runs/s through `servers`, the median of `rounds` after one warm-up. */
async function measure(servers: Child<{ url: string }>[], total: number, rounds: number) {
  const pools = servers.map(
    (s) => new Pool(s.ready.url, { connections: CONCURRENCY, pipelining: 1 }),
  );
  try {
    await postWaitRuns(pools, CONCURRENCY, Math.ceil(total / 4));
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++)
      samples.push((await postWaitRuns(pools, CONCURRENCY, total)).rps);
    return median(samples);
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}

/** Measures runs/s with 1, 2 and 3 replicas on PostgreSQL, and PostgreSQL against SQLite. */
export async function replicas(mode: BenchMode): Promise<BenchResult> {
  const title = "8. Replicas on PostgreSQL";
  const url = process.env.ACP_BENCH_POSTGRES_URL ?? process.env.ACP_TEST_POSTGRES_URL;
  const method =
    "Stateless echo runs (wait endpoint) from 32 concurrent clients spread round-robin over N server processes sharing one PostgreSQL database; and one process on PostgreSQL vs one on a SQLite file. Median of rounds after a warm-up.";
  if (!url) {
    return {
      title,
      method,
      columns: ["setup", "runs/s"],
      rows: [],
      notes: ["not measured: set ACP_BENCH_POSTGRES_URL to a PostgreSQL server"],
    };
  }
  const total = mode.quick ? 600 : 3_000;
  const rounds = mode.quick ? 2 : 3;
  const schema = `bench_${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), "acp-bench-"));
  const started: Child<{ url: string }>[] = [];
  const start = async (args: string[]) => {
    const child = await startChild<{ url: string }>("servers/replica-server.ts", args);
    started.push(child);
    return child;
  };
  try {
    const sqlite = await start(["sqlite", join(dir, "runs.sqlite")]);
    const sqliteRps = await measure([sqlite], total, rounds);
    await sqlite.stop();
    const replicasRps: number[] = [];
    const running: Child<{ url: string }>[] = [];
    for (let n = 1; n <= 3; n++) {
      running.push(await start(["postgres", url, schema]));
      replicasRps.push(await measure(running, total, rounds));
    }
    const one = replicasRps[0] as number;
    return {
      title,
      method,
      columns: ["setup", "runs/s", "ratio"],
      rows: [
        ["1 replica, SQLite store", fmt(sqliteRps, 0), "1.00× (baseline)"],
        ...replicasRps.map((rps, i) => [
          `${i + 1} replica${i === 0 ? "" : "s"}, PostgreSQL store`,
          fmt(rps, 0),
          `${fmt(rps / sqliteRps, 2)}× SQLite, ${fmt(rps / one, 2)}× 1 replica`,
        ]),
      ],
      notes: [
        `Measured on ${availableParallelism()} cores, shared by the load generator, the replicas and PostgreSQL: replicas beyond the cores measure the cost of coordination, not scaling; scaling belongs on more cores.`,
        "Through PostgreSQL each run is stored claimed, written and announced (NOTIFY) in the database, where the SQLite store writes in-process; a replica sends the runs it creates in one turn of its event loop in one statement, and their writes in another, so under load a run costs a fraction of a round trip: the price of the ratio to SQLite, paid for runs any replica can take over, stream, wait on and cancel.",
      ],
    };
  } finally {
    await Promise.all(started.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
