import { Pool } from "undici";
import { startChild } from "./lib/child.js";

const url = process.env.ACP_BENCH_POSTGRES_URL!;
const which = process.argv[2] ?? "sqlite";
const n = Number(process.argv[3] ?? 1);
const kids = [];
for (let i = 0; i < n; i++)
  kids.push(
    await startChild<{ url: string }>(
      "servers/replica-server.ts",
      which === "sqlite"
        ? ["sqlite", `/tmp/b8-${Date.now()}.sqlite`]
        : ["postgres", url, `b8_${process.pid}`],
    ),
  );
const pools = kids.map((k) => new Pool(k.ready.url, { connections: 32, pipelining: 1 }));
const body = JSON.stringify({ agent_id: "echo", input: { text: "hello" } });
let next = 0,
  done = 0;
const total = 600;
const timer = setInterval(() => console.log("done", done, "sent", next), 2000);
const t0 = performance.now();
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < total) {
      const pool = pools[next % pools.length]!;
      next++;
      const a = await pool.request({
        path: "/runs/wait",
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const t = await a.body.text();
      done++;
      if (a.statusCode !== 200) console.log(a.statusCode, t.slice(0, 200));
    }
  }),
);
console.log("rps", total / ((performance.now() - t0) / 1000));
clearInterval(timer);
await Promise.all(pools.map((p) => p.close()));
await Promise.all(kids.map((k) => k.stop()));
