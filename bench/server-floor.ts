/**
 * Benchmark 11: the ACP server against its floor, a bare `node:http` handler running
 * the same `graph.invoke`, at 1, 16, 64 and 256 clients, for stateless runs and for
 * thread runs (one thread per client); at 64 clients the SQLite store against the
 * memory store and the PostgreSQL store against SQLite (on thread runs once more with
 * PostgreSQL and the load kept off the servers' core); and the cold start, from
 * spawning the process to its first answered run, against the floor's. Each server
 * runs in a process of its own; the load comes from this one. The stores are compared
 * on servers of their own with the same history: each has answered only the rounds
 * at 64 clients, and the same ones.
 *
 * PostgreSQL comes from `ACP_BENCH_POSTGRES_URL` or `ACP_TEST_POSTGRES_URL`, else from
 * a throwaway server of its own when PostgreSQL's binaries are installed; without
 * either, that ratio is not measured.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import {
  postgresBinaries,
  startTestCluster,
  type TestCluster,
} from "../test/helpers/postgres-cluster.js";
import { canPin, descendants, pin } from "./lib/affinity.js";
import { type Child, startChild } from "./lib/child.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { alternate, fmt, median, pairedRatio } from "./lib/stats.js";
import { mainThreadTimes } from "./lib/thread-time.js";
import { postRuns, postWaitRuns } from "./lib/wait-load.js";

const SCRIPT = "servers/floor-server.ts";
const CLIENTS = [1, 16, 64, 256] as const;
/** The clients the store ratios are measured at. */
const STORE_CLIENTS = 64;

type Server = Child<{ url: string }>;
type Kind = "stateless" | "stateful";

/** The throughput targets, as ratios to the floor, by clients. */
const floorTarget = (clients: number) => (clients >= 256 ? 0.85 : 0.9);
const SQLITE_TARGET = 0.95;
const POSTGRES_TARGET = 0.8;
const COLD_TARGET = 1.2;

/** The stores' contenders, as their rows name them. */
const STORE_NAMES: Record<string, string> = {
  memory: "memory",
  sqlite: "SQLite",
  postgres: "PostgreSQL",
};

/** A server's main thread per run in one round (ms): on a CPU, waiting for one, idle. */
interface RoundTimes {
  onCpu: number;
  waiting: number;
  idle: number;
}

/** The median of one contender's rounds. */
const medianOf = (samples: Map<string, number[]>, name: string) => median(samples.get(name) ?? []);

/** Creates one thread per client on an ACP server; the floor takes any id. */
async function threadsOf(server: Server, floor: boolean, count: number): Promise<string[]> {
  if (floor) return Array.from({ length: count }, (_, i) => `bench-thread-${i}`);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const answer = await fetch(`${server.ready.url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    ids.push(((await answer.json()) as { thread_id: string }).thread_id);
  }
  return ids;
}

/** Ms from spawning `args` to its first answered stateless run. */
async function coldStart(args: string[]): Promise<number> {
  const started = performance.now();
  const child = await startChild<{ url: string }>(SCRIPT, args);
  try {
    const answer = await fetch(`${child.ready.url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: "echo", input: { text: "hello" } }),
    });
    await answer.text();
    if (answer.status !== 200) throw new Error(`cold start: status ${answer.status}`);
    return performance.now() - started;
  } finally {
    await child.stop();
  }
}

/**
 * PostgreSQL / SQLite on thread runs with the database kept off the servers' core:
 * both servers may run on CPU 0 only, and PostgreSQL's processes and this one (the
 * load) on the others, as when the database has a host of its own. Each side's runs/s
 * by round, alternating; every process is let run anywhere again after.
 */
async function storesApart(
  contenders: ReadonlyArray<[string, Server, string[]]>,
  postmaster: number,
  rounds: number,
  total: number,
): Promise<Map<string, number[]>> {
  const all = `0-${availableParallelism() - 1}`;
  const others = `1-${availableParallelism() - 1}`;
  const database = () => [postmaster, ...descendants(postmaster)];
  const pinAll = (pids: number[], cpus: string) => {
    for (const pid of pids) {
      try {
        pin(pid, cpus);
      } catch (err) {
        // A backend may end between the listing and the pin; any other failure counts.
        if (existsSync(`/proc/${pid}`)) throw err;
      }
    }
  };
  const servers = contenders.map(([, server]) => server.process.pid as number);
  try {
    pinAll(servers, "0");
    pinAll([...database(), process.pid], others);
    const pools = contenders.map(
      ([, server]) => new Pool(server.ready.url, { connections: STORE_CLIENTS, pipelining: 1 }),
    );
    try {
      return await alternate(
        contenders.map(([name, , ids], i) => ({
          name,
          round: async () =>
            (
              await postRuns(
                [pools[i] as Pool],
                STORE_CLIENTS,
                total,
                (c) => `/threads/${ids[c]}/runs/wait`,
              )
            ).rps,
        })),
        rounds,
      );
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  } finally {
    pinAll([process.pid, ...servers, ...database()], all);
  }
}

/** Measures ours/floor by clients and kind, the stores' ratios, and the cold start. */
export async function serverFloor(mode: BenchMode): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "acp-bench-floor-"));
  const rounds = mode.quick ? 2 : 6;
  const servers: Server[] = [];
  const start = async (args: string[]) => {
    const child = await startChild<{ url: string }>(SCRIPT, args);
    servers.push(child);
    return child;
  };
  let cluster: TestCluster | undefined;
  const rows: string[][] = [];
  const notes: string[] = [];
  const misses: string[] = [];
  const judge = (ratio: number, target: number, what: string, higherIsBetter = true) => {
    const met = higherIsBetter ? ratio >= target : ratio <= target;
    if (!met) misses.push(what);
    return met ? "yes" : "**no**";
  };
  try {
    let postgresUrl = process.env.ACP_BENCH_POSTGRES_URL ?? process.env.ACP_TEST_POSTGRES_URL;
    if (!postgresUrl && postgresBinaries !== undefined) {
      cluster = await startTestCluster();
      postgresUrl = cluster.url;
    }
    const floor = await start(["floor"]);
    const memory = await start(["acp", "memory"]);
    // The stores' servers: the memory store's again, beside SQLite and PostgreSQL, so
    // that each store answers the same rounds from the same start. The server above has
    // answered every round at 1 and 16 clients before; its store holds those runs.
    const memoryStore = await start(["acp", "memory"]);
    const sqlite = await start(["acp", "sqlite", join(dir, "runs.sqlite")]);
    const postgres = postgresUrl
      ? await start(["acp", "postgres", postgresUrl, `bench_floor_${Date.now()}`])
      : undefined;
    const most = Math.max(...CLIENTS);
    const threads = new Map<Server, string[]>();
    for (const s of [floor, memory, memoryStore, sqlite, ...(postgres ? [postgres] : [])]) {
      threads.set(s, await threadsOf(s, s === floor, most));
    }
    /**
     * The rounds at the stores' clients, by kind: each contender's runs/s, which the
     * stores' rows are read from, and how each store's main thread spent them.
     */
    const storeRounds = new Map<
      Kind,
      { samples: Map<string, number[]>; times: Map<string, RoundTimes[]> }
    >();

    for (const clients of CLIENTS) {
      for (const kind of ["stateless", "stateful"] as Kind[]) {
        const total = (mode.quick ? 200 : 1_000) * (clients === 1 ? 1 : 2);
        const contenders: Array<[string, Server]> = [
          ["ours", memory],
          ["floor", floor],
        ];
        if (clients === STORE_CLIENTS) {
          contenders.push(["memory", memoryStore], ["sqlite", sqlite]);
          if (postgres) contenders.push(["postgres", postgres]);
        }
        const pools = new Map(
          contenders.map(([name, s]) => [
            name,
            new Pool(s.ready.url, { connections: clients, pipelining: 1 }),
          ]),
        );
        // At the stores' clients, each store's main thread is looked at around its rounds.
        const times = new Map<string, RoundTimes[]>(
          clients === STORE_CLIENTS
            ? contenders.filter(([name]) => name in STORE_NAMES).map(([name]) => [name, []])
            : [],
        );
        const samples = await alternate(
          contenders.map(([name, s]) => ({
            name,
            round: async () => {
              const pool = pools.get(name) as Pool;
              const ids = threads.get(s) as string[];
              const kept = times.get(name);
              const before = kept && mainThreadTimes(s.process.pid);
              const load =
                kind === "stateless"
                  ? await postWaitRuns([pool], clients, total)
                  : await postRuns([pool], clients, total, (c) => `/threads/${ids[c]}/runs/wait`);
              const after = before && mainThreadTimes(s.process.pid);
              if (kept && before && after) {
                const onCpu = (after.onCpu - before.onCpu) / total;
                const waiting = (after.waiting - before.waiting) / total;
                const idle = Math.max(0, 1000 / load.rps - onCpu - waiting);
                kept.push({ onCpu, waiting, idle });
              }
              return load.rps;
            },
          })),
          rounds,
        );
        await Promise.all([...pools.values()].map((p) => p.close()));
        const rps = (name: string) => medianOf(samples, name);
        const ratio = pairedRatio(samples, "ours", "floor");
        const target = floorTarget(clients);
        rows.push([
          `${kind}, ours / floor`,
          String(clients),
          `${fmt(rps("ours"), 0)} / ${fmt(rps("floor"), 0)}`,
          fmt(ratio),
          `>= ${target}`,
          judge(ratio, target, `${kind} at ${clients} client${clients === 1 ? "" : "s"}`),
        ]);
        if (clients === STORE_CLIENTS) storeRounds.set(kind, { samples, times });
      }
    }
    for (const kind of ["stateless", "stateful"] as Kind[]) {
      const { samples } = storeRounds.get(kind) as { samples: Map<string, number[]> };
      const rps = (name: string) => medianOf(samples, name);
      const liteRatio = pairedRatio(samples, "sqlite", "memory");
      rows.push([
        `${kind}, SQLite / memory store`,
        String(STORE_CLIENTS),
        `${fmt(rps("sqlite"), 0)} / ${fmt(rps("memory"), 0)}`,
        fmt(liteRatio),
        `>= ${SQLITE_TARGET}`,
        judge(liteRatio, SQLITE_TARGET, `SQLite / memory, ${kind}`),
      ]);
      if (samples.has("postgres")) {
        const pgRatio = pairedRatio(samples, "postgres", "sqlite");
        rows.push([
          `${kind}, PostgreSQL / SQLite store`,
          String(STORE_CLIENTS),
          `${fmt(rps("postgres"), 0)} / ${fmt(rps("sqlite"), 0)}`,
          fmt(pgRatio),
          `>= ${POSTGRES_TARGET}`,
          judge(pgRatio, POSTGRES_TARGET, `PostgreSQL / SQLite, ${kind}`),
        ]);
      }
    }
    for (const [kind, { times: byName }] of storeRounds) {
      // Nothing to tell where the system keeps no scheduler statistics.
      const measured = [...byName].filter(([, rounds]) => rounds.length > 0);
      if (measured.length === 0) continue;
      const parts = measured.map(([name, rounds]) => {
        const of = (key: keyof RoundTimes) => fmt(median(rounds.map((t) => t[key])), 3);
        return `${STORE_NAMES[name] ?? name} ${of("onCpu")} / ${of("waiting")} / ${of("idle")}`;
      });
      notes.push(
        `${kind} at ${STORE_CLIENTS} clients, each store's main thread per run (ms, median of rounds), on a CPU / waiting for a CPU / idle: ${parts.join("; ")}. From Linux's scheduler statistics of the server process's main thread; idle is the rest of the round's time per run.`,
      );
    }
    if (!postgres) {
      notes.push(
        "PostgreSQL / SQLite not measured: no PostgreSQL (set ACP_BENCH_POSTGRES_URL, or install its binaries)",
      );
    }
    const postmaster = cluster?.postmasterPid();
    if (postgres && postmaster !== undefined && availableParallelism() >= 2 && canPin()) {
      const samples = await storesApart(
        [
          ["sqlite", sqlite, threads.get(sqlite) as string[]],
          ["postgres", postgres, threads.get(postgres) as string[]],
        ],
        postmaster,
        rounds,
        (mode.quick ? 200 : 1_000) * 2,
      );
      rows.push([
        "stateful, PostgreSQL / SQLite store, PostgreSQL and the load off the servers' core",
        String(STORE_CLIENTS),
        `${fmt(medianOf(samples, "postgres"), 0)} / ${fmt(medianOf(samples, "sqlite"), 0)}`,
        fmt(pairedRatio(samples, "postgres", "sqlite")),
        "reported",
        "",
      ]);
    } else if (postgres) {
      notes.push(
        "PostgreSQL / SQLite with the database off the servers' core not measured: it needs the benchmark's own PostgreSQL, two cores or more, and Linux's `taskset`.",
      );
    }
    await Promise.all(servers.splice(0).map((s) => s.stop()));

    const coldSamples = await alternate(
      [
        { name: "ours", round: () => coldStart(["acp", "memory"]) },
        { name: "floor", round: () => coldStart(["floor"]) },
      ],
      mode.quick ? 2 : 5,
    );
    const cold = (name: string) => medianOf(coldSamples, name);
    const coldRatio = pairedRatio(coldSamples, "ours", "floor");
    rows.push([
      "cold start to the first answered run, ours / floor (ms)",
      "1",
      `${fmt(cold("ours"), 0)} / ${fmt(cold("floor"), 0)}`,
      fmt(coldRatio),
      `<= ${COLD_TARGET}`,
      judge(coldRatio, COLD_TARGET, "cold start", false),
    ]);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await cluster?.remove().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  notes.push(
    `${availableParallelism()} cores shared by the load generator, the servers and PostgreSQL: compare ratios measured in one run, not runs/s across machines.`,
  );
  return {
    title: "11. Server against its floor, by load and store",
    method: `\`POST /runs/wait\` (stateless) and \`POST /threads/{id}/runs/wait\` (stateful, one thread per client) echo runs through the project's ACP server (memory store unless named) and through the floor: a bare \`node:http\` handler running the same graph with \`graph.invoke\` (on a \`MemorySaver\` for thread runs). Each server in its own process, load from undici pools with one kept-alive connection per client; ${rounds} alternating rounds after a warm-up, median runs/s; each ratio is the median over the rounds of the two sides' runs/s in the same round. The stores are compared at 64 clients on three more servers (memory, SQLite, PostgreSQL) that answer only those rounds, so that each store holds the same runs; then, for a row reported without a target, the SQLite and PostgreSQL servers again on thread runs with both allowed only the first core and PostgreSQL's processes and the load only the others (\`taskset\`), as when the database has a host of its own. The cold start spawns the process and posts one run as soon as it listens, medians of alternating tries (the ratio likewise by pairs).`,
    columns: ["measure", "clients", "runs/s (or ms)", "ratio", "target", "met"],
    rows,
    target: {
      text: "ours >= 0.9x the floor at 1, 16 and 64 clients and >= 0.85x at 256, stateless and stateful; SQLite >= 0.95x memory; PostgreSQL >= 0.8x SQLite; cold start <= 1.2x the floor's",
      met: misses.length === 0,
    },
    notes: [...(misses.length ? [`Missed: ${misses.join("; ")}.`] : []), ...notes],
  };
}
