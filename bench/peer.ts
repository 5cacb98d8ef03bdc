/**
 * Benchmark 13: the project's ACP server against the peer a LangGraph.js user would
 * otherwise pick, `@langchain/langgraph-api` (the server `langgraph dev` runs), both
 * serving the same echo graph: stateless runs per second through each one's wait
 * endpoint, and the time to the first byte of a run's stream. Each server runs in a
 * process of its own; the load comes from this one.
 */
import { Pool } from "undici";
import { startChild } from "./lib/child.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { alternate, fmt, median } from "./lib/stats.js";
import { postRuns } from "./lib/wait-load.js";

/** The targets: ours over the peer's runs/s at 64 clients, and first byte over theirs. */
const THROUGHPUT_TARGET = 4;
const FIRST_BYTE_TARGET = 0.3;

/** What each server is asked: its run of the echo graph, in its own protocol. */
const servers = {
  ours: {
    script: ["servers/throughput-server.ts", "acp", "streaming"],
    run: { agent_id: "echo", input: { text: "hello" } },
  },
  peer: {
    script: ["servers/peer-server.ts"],
    run: { assistant_id: "echo", input: { text: "hello" } },
  },
} as const;
type Name = keyof typeof servers;
const names = Object.keys(servers) as Name[];

/** Ms to the first byte of a `POST /runs/stream` answer's body, and to its end. */
async function streamTimes(pool: Pool, run: object): Promise<{ first: number; end: number }> {
  const start = performance.now();
  const answer = await pool.request({
    path: "/runs/stream",
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ ...run, stream_mode: "values" }),
  });
  let first = Number.NaN;
  let text = "";
  for await (const chunk of answer.body) {
    if (Number.isNaN(first)) first = performance.now() - start;
    text += String(chunk);
  }
  const end = performance.now() - start;
  if (answer.statusCode !== 200 || !text.includes("echo: hello")) {
    throw new Error(`stream: status ${answer.statusCode}: ${text.slice(0, 200)}`);
  }
  return { first, end };
}

/** Measures ours over the peer: runs/s at 1 and 64 clients, and a stream's first byte. */
export async function peer(mode: BenchMode): Promise<BenchResult> {
  const rounds = mode.quick ? 2 : 4;
  const starts = await Promise.allSettled(
    names.map(async (name) => {
      const [script, ...args] = servers[name].script;
      return [name, await startChild<{ url: string }>(script, args)] as const;
    }),
  );
  const children = new Map(starts.flatMap((s) => (s.status === "fulfilled" ? [s.value] : [])));
  const failed = starts.find((s) => s.status === "rejected");
  if (failed) {
    // The one that started stops too.
    await Promise.all([...children.values()].map((c) => c.stop()));
    throw failed.reason;
  }
  const url = (name: Name) => children.get(name)?.ready.url as string;
  /** A pool per server, with one kept-alive connection per client. */
  const poolsOf = (clients: number) =>
    new Map(
      names.map((name) => [name, new Pool(url(name), { connections: clients, pipelining: 1 })]),
    );
  const rows: string[][] = [];
  let throughputRatio = Number.NaN;
  let firstByteRatio = Number.NaN;
  try {
    for (const clients of [1, 64]) {
      // The peer answers a few runs a second at one client: fewer of them per round.
      const totals: Record<Name, number> = {
        ours: (mode.quick ? 200 : 1_000) * (clients === 1 ? 1 : 2),
        peer: clients === 1 ? (mode.quick ? 10 : 20) : mode.quick ? 100 : 400,
      };
      const pools = poolsOf(clients);
      const samples = await alternate(
        names.map((name) => ({
          name,
          round: async () => {
            const body = JSON.stringify(servers[name].run);
            const load = await postRuns(
              [pools.get(name) as Pool],
              clients,
              totals[name],
              () => "/runs/wait",
              undefined,
              body,
            );
            return load.rps;
          },
        })),
        rounds,
      );
      await Promise.all([...pools.values()].map((p) => p.close()));
      const ours = median(samples.get("ours") ?? []);
      const theirs = median(samples.get("peer") ?? []);
      const ratio = ours / theirs;
      if (clients === 64) throughputRatio = ratio;
      rows.push([
        "stateless runs/s, `POST /runs/wait`",
        String(clients),
        `${fmt(ours, 0)} / ${fmt(theirs, 1)}`,
        `${fmt(ratio, 1)}x`,
        clients === 64 ? `>= ${THROUGHPUT_TARGET}x` : "reported",
        clients === 64 ? (ratio >= THROUGHPUT_TARGET ? "yes" : "**no**") : "",
      ]);
    }

    const tries = mode.quick ? 5 : 20;
    const warmUps: Record<Name, number> = {
      ours: mode.quick ? 20 : 200,
      peer: mode.quick ? 2 : 10,
    };
    type Times = Array<{ first: number; end: number }>;
    const times: Record<Name, Times> = { ours: [], peer: [] };
    const pools = poolsOf(1);
    try {
      // Warm-up streams (the stream path's code compiled, as the wait path's is by now:
      // the peer's take half a second each, mostly waiting), then the two in turn.
      for (const name of names) {
        for (let i = 0; i < warmUps[name]; i++) {
          await streamTimes(pools.get(name) as Pool, servers[name].run);
        }
      }
      for (let i = 0; i < tries; i++) {
        for (const name of (i % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"]) as Name[]) {
          times[name].push(await streamTimes(pools.get(name) as Pool, servers[name].run));
        }
      }
    } finally {
      await Promise.all([...pools.values()].map((p) => p.close()));
    }
    const at = (name: Name, what: "first" | "end") => median(times[name].map((t) => t[what]));
    firstByteRatio = at("ours", "first") / at("peer", "first");
    rows.push(
      [
        "first byte of a run's stream, `POST /runs/stream` (ms)",
        "1",
        `${fmt(at("ours", "first"))} / ${fmt(at("peer", "first"))}`,
        `${fmt(firstByteRatio)}x`,
        `<= ${FIRST_BYTE_TARGET}x`,
        firstByteRatio <= FIRST_BYTE_TARGET ? "yes" : "**no**",
      ],
      [
        "end of a run's stream, `POST /runs/stream` (ms)",
        "1",
        `${fmt(at("ours", "end"))} / ${fmt(at("peer", "end"))}`,
        `${fmt(at("ours", "end") / at("peer", "end"))}x`,
        "reported",
        "",
      ],
    );
  } finally {
    await Promise.all([...children.values()].map((c) => c.stop()));
  }
  return {
    title: "13. Against the peer, `@langchain/langgraph-api`",
    method: `The project's ACP server (memory store) and \`@langchain/langgraph-api\` (the server \`langgraph dev\` runs: its in-memory storage, 10 workers, the CLI's default) serving the same one-node echo graph, each in its own process. Stateless runs through each one's \`POST /runs/wait\` from undici pools with one kept-alive connection per client, ${rounds} alternating rounds after a warm-up, median runs/s; then, after warm-up streams (${mode.quick ? 20 : 200} of ours, ${mode.quick ? 2 : 10} of the peer's), ${mode.quick ? 5 : 20} streams of one run each (\`POST /runs/stream\`, \`stream_mode: "values"\`) from each in turn over one connection, median ms from sending the request to the first byte of the answer's body and to its end.`,
    columns: ["measure", "clients", "ours / peer", "ratio", "target", "met"],
    rows,
    target: {
      text: `ours >= ${THROUGHPUT_TARGET}x the peer's runs/s at 64 clients, and its first streamed byte <= ${FIRST_BYTE_TARGET}x the peer's`,
      met: throughputRatio >= THROUGHPUT_TARGET && firstByteRatio <= FIRST_BYTE_TARGET,
    },
    notes: [
      "The peer queues every run for its workers, which look for work on a timer: at one client most of its time per run is that wait, not work. Its first streamed byte is its `metadata` event, sent once the run is queued; ours is the run's first event.",
    ],
  };
}
