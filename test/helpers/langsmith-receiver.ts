/**
 * A stand-in of LangSmith's ingest endpoint: a node:http server on 127.0.0.1 that
 * answers `/info` and records the runs the LangSmith client posts (`/runs`,
 * `/runs/batch` as JSON, `/runs/multipart` as form data, gzipped or not).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** What a posted run says of its place in a trace. */
export interface PostedRun {
  id: string;
  name: string | undefined;
  trace_id: string | undefined;
  parent_run_id: string | undefined;
  dotted_order: string | undefined;
}

/** A running stand-in. */
export interface LangsmithReceiver {
  /** The base URL, as `LANGSMITH_ENDPOINT` takes it. */
  readonly url: string;
  /** Every run created so far (its first post). */
  readonly runs: PostedRun[];
  close(): Promise<void>;
}

function toRun(value: unknown): PostedRun | undefined {
  if (typeof value !== "object" || value === null || !("id" in value)) return undefined;
  const r = value as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    id: String(r.id),
    name: text(r.name),
    trace_id: text(r.trace_id),
    parent_run_id: text(r.parent_run_id),
    dotted_order: text(r.dotted_order),
  };
}

/** The runs a body creates, in whichever of the client's forms it came. */
async function postedRuns(path: string, type: string, body: Buffer): Promise<unknown[]> {
  if (type.startsWith("multipart/form-data")) {
    const form = await new Response(new Uint8Array(body), {
      headers: { "content-type": type },
    }).formData();
    const runs: unknown[] = [];
    for (const [name, value] of form.entries()) {
      // `post.<id>` holds the run; `post.<id>.inputs` and the like hold its parts.
      if (!/^post\.[^.]+$/.test(name)) continue;
      const text = typeof value === "string" ? value : await value.text();
      runs.push(JSON.parse(text));
    }
    return runs;
  }
  const json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  if (path === "/runs/batch") return (json.post as unknown[] | undefined) ?? [];
  return [json];
}

/** Starts the stand-in on a free port. */
export async function startLangsmithReceiver(): Promise<LangsmithReceiver> {
  const runs: PostedRun[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (req.method === "GET" && path === "/info") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ version: "test", instance_flags: {} }));
        return;
      }
      if (req.method !== "POST" || !path.startsWith("/runs")) {
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      postedRuns(path, req.headers["content-type"] ?? "", body).then(
        (posted) => {
          for (const run of posted.map(toRun)) if (run) runs.push(run);
          res.writeHead(202, { "content-type": "application/json" }).end("{}");
        },
        () => res.writeHead(400).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    runs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
