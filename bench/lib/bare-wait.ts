/**
 * The floor of the server benchmarks: a bare `node:http` handler of the wait endpoints
 * that parses the body, checks the input, computes the values and writes the run and
 * its output as JSON, with nothing else in between.
 */
import { randomUUID } from "node:crypto";
import { listen, readBody } from "./local-server.js";

const THREAD_PATH = /^\/threads\/([^/]+)\/runs\/wait$/;

/**
 * Serves `POST /runs/wait` (and `POST /threads/{id}/runs/wait` when `threads`) with
 * `values` computing a run's values from its `input.text`; resolves to its URL.
 */
export async function serveBareWait(
  values: (text: string, threadId: string | undefined) => unknown,
  threads = false,
): Promise<string> {
  const listening = await listen(async (req, res) => {
    const threadId = threads && req.url ? THREAD_PATH.exec(req.url)?.[1] : undefined;
    if (req.method !== "POST" || (req.url !== "/runs/wait" && threadId === undefined)) {
      res.writeHead(404).end();
      return;
    }
    const creation = JSON.parse(await readBody(req)) as {
      agent_id?: string;
      input?: { text?: unknown };
    };
    if (typeof creation.input?.text !== "string") {
      res.writeHead(422, { "content-type": "application/json" }).end('{"detail":"input.text"}');
      return;
    }
    const output = { type: "result", values: await values(creation.input.text, threadId) };
    const now = new Date().toISOString();
    const run = {
      run_id: randomUUID(),
      ...(threadId !== undefined ? { thread_id: threadId } : {}),
      agent_id: creation.agent_id ?? "echo",
      created_at: now,
      updated_at: now,
      status: "success",
      creation,
    };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ run, output }));
  });
  return listening.url;
}
