/**
 * Benchmark 1: what the client adds to one call. `createAndWaitForStatelessRunOutput`
 * against a local endpoint that answers at once, vs a bare `fetch` of the same request.
 */
import ky from "ky";
import { ACPClient, RunCreateStateless, RunWaitResponseStateless } from "../src/index.js";
import { listen, readBody } from "./lib/local-server.js";
import type { BenchMode, BenchResult } from "./lib/result.js";
import { alternate, fmt, median, timed } from "./lib/stats.js";
import { ids, waitResponse } from "./lib/wire.js";

/** Why the target is missed, from `node --cpu-prof` of 8,000 calls and the split rows of the table. */
const missNotes = [
  "The two split rows say where the time goes: the zod checks of request and response cost little over bare `fetch`; a bare `ky(...).json()` call with no retries costs about twice bare `fetch`, and nearly all of the client's cost over bare `fetch` is there; the client's own work is what remains between the `ky` row and the client's row.",
  "Why `ky` costs that much: for every call it makes an `AbortController` (and `AbortSignal.any`), builds a `Request`, builds it again with the signal, `clone()`s it for retries (which tees the body into two streams) and hands `fetch` a `Request` object, which undici copies once more; it also deep-merges options and hooks per call.",
  "What would fix it, in `src/client/api-client.ts`: `ApiClient.send` should call the runtime's `fetch(url, init)` directly with the string body and run the retry policy it already has (`retryOptions`: statuses, `Retry-After`, idempotency, backoff) in a small loop of its own, so a call that succeeds at once pays for nothing else. Smaller: `ApiClient.call` builds its two debug lines (`JSON.stringify(redactHeaders(...))`, `redactUrl`) before `log` checks `debug`, on every call; build them only when `configuration.debug` is on.",
];

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
          name: "fetch + zod",
          round: perCall(async () => {
            const sent = JSON.stringify(RunCreateStateless.parse(body));
            const response = await fetch(url, { method: "POST", headers, body: sent });
            return RunWaitResponseStateless.parse(await response.json());
          }),
        },
        {
          name: "ky",
          round: perCall(() =>
            ky(url, {
              method: "POST",
              headers,
              body: JSON.stringify(body),
              retry: 0,
              timeout: false,
            }).json(),
          ),
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
          "(split) bare `fetch` + the client's zod checks of request and response",
          fmt(split("fetch + zod"), 1),
          fmt(split("fetch + zod") / bare),
        ],
        ["(split) bare `ky(...).json()`, no retries", fmt(split("ky"), 1), fmt(split("ky") / bare)],
      ],
      target: { text: "ratio <= 1.15", met: ratio <= 1.15 },
      notes: ratio <= 1.15 ? [] : missNotes,
    };
  } finally {
    await client.close();
    await server.close();
  }
}
