/**
 * The client side of benchmark 5, in a process of its own so its RSS is the stream's
 * alone: reads a run output stream to the end with `createAndStreamStatelessRunOutput`,
 * sampling RSS as it goes, then prints one JSON line of what it saw.
 */
import { ACPClient } from "../../src/index.js";
import { ids } from "../lib/wire.js";

const [url, every] = [process.argv[2] as string, Number(process.argv[3] ?? 50_000)];
const mb = () => process.memoryUsage.rss() / 2 ** 20;
const client = ACPClient.fromConfiguration({ host: url });
const startRss = mb();
let peak = startRss;
const timer = setInterval(() => {
  peak = Math.max(peak, mb());
}, 20);
const samples: Array<[number, number]> = [];
let count = 0;
for await (const _ of client.createAndStreamStatelessRunOutput({
  agent_id: ids.agent,
  input: { text: "hello" },
  stream_mode: "custom",
})) {
  count++;
  if (count % every === 0) {
    const rss = mb();
    peak = Math.max(peak, rss);
    samples.push([count, rss]);
  }
}
clearInterval(timer);
await client.close();
process.stdout.write(`${JSON.stringify({ count, startRss, peak, samples })}\n`);
