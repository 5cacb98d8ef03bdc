/** A local server that answers every request with the same long `text/event-stream`. */
import { type LocalServer, listen, readBody } from "./local-server.js";
import { sseFrames } from "./wire.js";

/** Serves `events` SSE frames, 1,000 frames per write, with backpressure; `bytes` is the body's size. */
export async function sseServer(events: number): Promise<LocalServer & { bytes: number }> {
  const block = 1_000;
  const blocks: Buffer[] = [];
  for (let from = 1; from <= events; from += block) {
    blocks.push(sseFrames(from, Math.min(events, from + block - 1)));
  }
  const bytes = blocks.reduce((sum, b) => sum + b.length, 0);
  const server = await listen(async (req, res) => {
    await readBody(req);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    for (const piece of blocks) {
      if (!res.write(piece)) await new Promise((resolve) => res.once("drain", resolve));
    }
    res.end();
  });
  return { ...server, bytes };
}
