/** The load of the A2A benchmark: blocking `SendMessage` calls over raw JSON-RPC. */
import { randomUUID } from "node:crypto";
import type { Pool } from "undici";
import type { Load } from "./wait-load.js";

/**
 * Sends `total` blocking `SendMessage` requests (a data part `{ text }`) to the
 * JSON-RPC endpoint at `path` from `concurrency` clients; every answer must be a task
 * that completed.
 */
export async function sendA2AMessages(
  pool: Pool,
  path: string,
  concurrency: number,
  total: number,
): Promise<Load> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const id = next++;
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "SendMessage",
        params: {
          message: {
            messageId: randomUUID(),
            role: "ROLE_USER",
            parts: [{ data: { text: "hello" } }],
          },
        },
      });
      const start = performance.now();
      const answer = await pool.request({
        path,
        method: "POST",
        headers: { "content-type": "application/json", "a2a-version": "1.0" },
        body,
      });
      const text = await answer.body.text();
      latencies.push(performance.now() - start);
      const state = (JSON.parse(text) as { result?: { task?: { status?: { state?: string } } } })
        .result?.task?.status?.state;
      if (answer.statusCode !== 200 || state !== "TASK_STATE_COMPLETED") {
        throw new Error(`status ${answer.statusCode}: ${text.slice(0, 200)}`);
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { rps: total / ((performance.now() - start) / 1000), latencies };
}
