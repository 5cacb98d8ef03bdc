/** The load of the server benchmarks: stateless echo runs posted to `/runs/wait`. */
import type { Pool } from "undici";

/** What one load measured: its runs per second and each request's latency in ms. */
export interface Load {
  rps: number;
  latencies: number[];
}

const body = JSON.stringify({ agent_id: "echo", input: { text: "hello" } });

/**
 * Sends `total` wait requests from `concurrency` clients, spread round-robin over
 * `pools`; every answer must be a 200. `onAnswer` is told how many have been answered.
 */
export async function postWaitRuns(
  pools: readonly Pool[],
  concurrency: number,
  total: number,
  onAnswer?: (answered: number) => void,
): Promise<Load> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const pool = pools[next % pools.length] as Pool;
      next++;
      const start = performance.now();
      const answer = await pool.request({
        path: "/runs/wait",
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body,
      });
      const text = await answer.body.text();
      latencies.push(performance.now() - start);
      if (answer.statusCode !== 200) {
        throw new Error(`status ${answer.statusCode}: ${text.slice(0, 200)}`);
      }
      onAnswer?.(latencies.length);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { rps: total / ((performance.now() - start) / 1000), latencies };
}
