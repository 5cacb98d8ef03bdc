/** The load of the server benchmarks: stateless echo runs posted to `/runs/wait`. */
import type { Pool } from "undici";

/** What one load measured: its runs per second and each request's latency in ms. */
export interface Load {
  rps: number;
  latencies: number[];
}

/** The run every load posts: the echo agent's, by ACP's field (`agent_id`). */
const acpBody = JSON.stringify({ agent_id: "echo", input: { text: "hello" } });

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
  return postRuns(pools, concurrency, total, () => "/runs/wait", onAnswer);
}

/**
 * As `postWaitRuns`, to the wait endpoint `pathOf(client)` names for each client
 * (0 to `concurrency` - 1): a thread run's, say, one thread per client. `body` is the
 * request's body, the ACP echo run unless given (another server's run, say).
 */
export async function postRuns(
  pools: readonly Pool[],
  concurrency: number,
  total: number,
  pathOf: (client: number) => string,
  onAnswer?: (answered: number) => void,
  body: string = acpBody,
): Promise<Load> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (client: number) => {
    const path = pathOf(client);
    while (next < total) {
      const pool = pools[next % pools.length] as Pool;
      next++;
      const start = performance.now();
      const answer = await pool.request({
        path,
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
  await Promise.all(Array.from({ length: concurrency }, (_, client) => worker(client)));
  return { rps: total / ((performance.now() - start) / 1000), latencies };
}
