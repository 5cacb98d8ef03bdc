/**
 * Benchmark 6: search latency of the server's stores as the number of stored runs
 * grows to 100,000: `limit: 10` searches by agent, status, metadata, thread and none,
 * p50 over many queries at each size. A store whose search costs what it returns
 * stays flat as runs are added.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryStore, type RunSearch, type ServerStore, sqliteStore } from "../src/server/index.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { fmt, percentile } from "./lib/stats.js";

/** The searches measured; each matches many stored runs, so `limit` decides what is read. */
const queries: Array<[string, (i: number) => Omit<RunSearch, "limit">]> = [
  ["agent", (i) => ({ agentId: `agent-${i % 10}` })],
  ["status + stateless", () => ({ status: "success", threadId: null })],
  ["metadata", (i) => ({ metadata: { tenant: `t-${i % 100}` } })],
  ["thread", (i) => ({ threadId: `thread-${i % 10}` })],
  ["none, offset 100", () => ({ offset: 100 })],
];

/** Stores runs `from`..`to` (exclusive), a tenth on 10 threads, all finished. */
async function fill(store: ServerStore, from: number, to: number): Promise<void> {
  const base = Date.parse("2026-01-01T00:00:00.000Z");
  for (let i = from; i < to; i += 1) {
    const at = new Date(base + i).toISOString();
    const onThread = i % 10 === 0;
    await store.runs.insert({
      run_id: randomUUID(),
      ...(onThread ? { thread_id: `thread-${(i / 10) % 10}` } : {}),
      agent_id: `agent-${i % 10}`,
      created_at: at,
      updated_at: at,
      status: "success",
      creation: {
        agent_id: `agent-${i % 10}`,
        input: { text: `run ${i}` },
        metadata: { tenant: `t-${i % 100}`, n: i },
      },
      output: { type: "result", values: { reply: `echo: run ${i}` } },
      graphThreadId: `g-${i}`,
      modes: ["values"],
      eventCount: 1,
    });
  }
}

/** p50 and p99 in ms of `rounds` searches of each query. */
async function measure(store: ServerStore, rounds: number): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>();
  for (const [name, query] of queries) {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i += 1) {
      const start = performance.now();
      const found = await store.runs.search({ ...query(i), limit: 10 });
      samples.push(performance.now() - start);
      if (found.length !== 10) throw new Error(`${name}: ${found.length} runs instead of 10`);
    }
    times.set(name, samples);
  }
  return times;
}

/** Measures search latency of the memory and SQLite stores at growing sizes. */
export async function storeSearch(mode: BenchMode): Promise<BenchResult> {
  const sizes = mode.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const rounds = mode.quick ? 100 : 300;
  const dir = mkdtempSync(join(tmpdir(), "acp-bench-store-"));
  const backends: Array<[string, () => ServerStore]> = [
    ["memory", () => memoryStore({ maxBytes: 1024 * 1024 * 1024 })],
    ["SQLite file", () => sqliteStore(join(dir, "runs.sqlite"))],
  ];
  const rows: string[][] = [];
  const flatness: string[] = [];
  let worst = 0;
  try {
    for (const [backend, open] of backends) {
      const store = open();
      const p50s = new Map<string, number[]>();
      let stored = 0;
      for (const size of sizes) {
        await fill(store, stored, size);
        stored = size;
        const times = await measure(store, rounds);
        for (const [name, samples] of times) {
          const p50 = percentile(samples, 0.5);
          p50s.set(name, [...(p50s.get(name) ?? []), p50]);
          if (size === sizes.at(-1)) worst = Math.max(worst, p50);
        }
      }
      for (const [name, values] of p50s) {
        const first = values[0] as number;
        const last = values.at(-1) as number;
        rows.push([backend, name, ...values.map((v) => fmt(v, 3)), fmt(last / first)]);
        flatness.push(`${backend} ${name}: ${fmt(last / first)}`);
      }
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const largest = (sizes.at(-1) as number).toLocaleString("en");
  return {
    title: "6. Store search",
    method: `Runs stored straight into each store (a tenth on 10 threads, 10 agents, 100 metadata tenants, all finished), then ${rounds} \`limit: 10\` searches per query at ${sizes.map((s) => s.toLocaleString("en")).join(", ")} stored runs; p50 in ms. The server's \`/runs/search\` is one such search plus the HTTP work.`,
    columns: [
      "store",
      "search",
      ...sizes.map((s) => `p50 ms at ${s.toLocaleString("en")}`),
      "last / first",
    ],
    rows,
    target: {
      text: `p50 < 5 ms with limit 10 at ${largest} stored runs, flat in the number stored`,
      met: worst < 5,
    },
    notes: [
      `Worst p50 at ${largest} runs: ${fmt(worst, 3)} ms. Growth from the smallest to the largest size (p50 ratio): ${flatness.join("; ")}.`,
    ],
  };
}
