/**
 * Benchmark 1: what the client adds to one call. `createAndWaitForStatelessRunOutput`
 * against a local endpoint that answers at once, vs a bare `fetch` of the same request.
 */

import { surelyValidRunCreate, surelyValidWaitResponse } from "../src/client/response-check.js";
import { fetchWithRetry } from "../src/core/fetch-with-retry.js";
import { retryPolicy } from "../src/core/retry.js";
import { ACPClient, RunCreateStateless, RunWaitResponseStateless } from "../src/index.js";
import { listen, readBody } from "./lib/local-server.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { alternate, fmt, median, timed } from "./lib/stats.js";
import { ids, waitResponse } from "./lib/wire.js";

/** What to look at when the target is missed. */
const missNotes = [
  "The two split rows say where the time goes: the checks of request and response (a hand-written check of the common shapes, zod for anything else: `src/client/response-check.ts`) and the client's retry loop (`fetchWithRetry`). What lies between those rows and the client's row is the client's own per-call work: building the request from the operation table and its credentials (`ApiClient.call` in `src/client/api-client.ts`); profile with `node --cpu-prof` to see which part grew.",
];

/** The client's retry loop with nothing to retry, as a call that succeeds at once sees it. */
const noRetries = retryPolicy({ retries: 3, shouldRetry: () => true });

/** Measures the client against bare `fetch` on one trivial call, alternating rounds. */
export async function clientOverhead(mode: BenchMode): Promise<BenchResult> {
  const answer = JSON.stringify(waitResponse());
  const server = await listen(async (req, res) => {
    await readBody(req);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(answer);
  });
  const calls = mode.quick ? 300 : 1_500;
  const rounds = mode.quick ? 5 : 15;
  const body = { agent_id: ids.agent, input: { text: "hello" } };
  const client = ACPClient.fromConfiguration({ host: server.url });
  const url = `${server.url}/runs/wait`;
  const headers = { "content-type": "application/json", accept: "application/json" };
  const perCall = (work: () => Promise<unknown>) => async () =>
    (1000 *
      (await timed(async () => {
        for (let i = 0; i < calls; i++) await work();
      }))) /
    calls;

  try {
    const samples = await alternate(
      [
        {
          name: "agntcy-acp",
          round: perCall(() => client.createAndWaitForStatelessRunOutput(body)),
        },
        {
          name: "fetch",
          round: perCall(async () => {
            const response = await fetch(url, {
              method: "POST",
              headers,
              body: JSON.stringify(body),
            });
            return response.json();
          }),
        },
        {
          name: "fetch + checks",
          round: perCall(async () => {
            const checked = surelyValidRunCreate(body) ? body : RunCreateStateless.parse(body);
            const response = await fetch(url, {
              method: "POST",
              headers,
              body: JSON.stringify(checked),
            });
            const answer: unknown = await response.json();
            return surelyValidWaitResponse(answer)
              ? answer
              : RunWaitResponseStateless.parse(answer);
          }),
        },
        {
          name: "transport",
          round: perCall(async () => {
            const init = { method: "POST", headers, body: JSON.stringify(body) };
            const response = await fetchWithRetry(url, init, noRetries);
            return response.json();
          }),
        },
      ],
      rounds,
    );
    const ours = median(samples.get("agntcy-acp") ?? []);
    const bare = median(samples.get("fetch") ?? []);
    const ratio = ours / bare;
    const split = (name: string) => median(samples.get(name) ?? []);
    return {
      title: "1. Client call overhead",
      method: `${calls} sequential \`createAndWaitForStatelessRunOutput\` calls per round against a local endpoint that answers at once, vs a bare \`fetch\` + \`response.json()\` of the same request; ${rounds} alternating rounds, median µs per call. The two "split" rows are not contenders: they show where the client's extra time goes.`,
      columns: ["contender", "median µs/call", "ratio"],
      rows: [
        ["agntcy-acp `createAndWaitForStatelessRunOutput`", fmt(ours, 1), fmt(ratio)],
        ["bare `fetch`", fmt(bare, 1), "1.00"],
        [
          "(split) bare `fetch` + the client's checks of request and response",
          fmt(split("fetch + checks"), 1),
          fmt(split("fetch + checks") / bare),
        ],
        [
          "(split) the client's retry loop `fetchWithRetry` + `response.json()`, no checks",
          fmt(split("transport"), 1),
          fmt(split("transport") / bare),
        ],
      ],
      target: { text: "ratio <= 1.1", met: ratio <= 1.1 },
      notes: ratio <= 1.1 ? [] : missNotes,
    };
  } finally {
    await client.close();
    await server.close();
  }
}
