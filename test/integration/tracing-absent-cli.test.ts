/**
 * Without `@opentelemetry/api` installed: the built package, copied into a directory
 * whose `node_modules` has every dependency but the OpenTelemetry packages, runs in
 * child processes there. The client, `ACPNode` and a server (from code and from
 * `acp serve`) work as without tracing, send no trace headers, and answer a caller's
 * `traceparent` as any request; `acp serve` asked to export spans says which packages
 * it needs.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot, requireBuiltCli } from "../helpers/acp-process.js";

const run = promisify(execFile);
let dir: string;
let servers: ChildProcess[] = [];

/** The environment of the children: no OpenTelemetry or ACP settings of this machine. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    const foreign = ["OTEL_", "ACP_", "LANGSMITH_", "NODE_PATH"].some((p) => k.startsWith(p));
    if (!foreign) env[k] = v;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** The graph module both servers serve: `echo` appends "!" to its text. */
const AGENTS = `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ text: Annotation() });
const graph = new StateGraph(State)
  .addNode("shout", (s) => ({ text: s.text + "!" }))
  .addEdge(START, "shout").addEdge("shout", END).compile();
export const agents = [{ agentId: "echo", graph, descriptor: {
  metadata: { ref: { name: "echo", version: "1.0.0" }, description: "echoes" },
  specs: { capabilities: { streaming: { values: true } }, input: { type: "object" },
    output: { type: "object" }, config: { type: "object" } },
} }];
`;

/** What the child checks with the library from code; it prints one JSON line. */
const CHECK = `import http from "node:http";
import { agents } from "./agents.mjs";
const out = {};
try {
  await import("@opentelemetry/api");
  out.api = "found";
} catch (error) {
  out.api = error.code;
}
const { serveACP } = await import("./dist/server/index.js");
const { ACPClient } = await import("./dist/index.js");
const { ACPNode, openTelemetryCallbacks } = await import("./dist/langgraph/index.js");
const { Annotation, END, START, StateGraph } = await import("@langchain/langgraph");
const warnings = [];
const server = await serveACP({ agents, port: 0, hostname: "127.0.0.1", logger: { warn: (m) => warnings.push(m) } });
// Every request the client and the node send goes through here, headers recorded.
const headers = [];
const proxy = http.createServer((req, res) => {
  headers.push(req.headers);
  const upstream = http.request(server.url + req.url, { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  req.pipe(upstream);
});
await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
const proxyUrl = "http://127.0.0.1:" + proxy.address().port;
const client = new ACPClient({ configuration: { host: proxyUrl } });
const waited = await client.createAndWaitForStatelessRunOutput({ agent_id: "echo", input: { text: "client" } });
out.client = waited.output?.values;
const streamed = [];
for await (const event of client.createAndStreamStatelessRunOutput({ agent_id: "echo", input: { text: "stream" }, stream_mode: "values" })) {
  streamed.push(event.data?.values);
}
out.stream = streamed.at(-1);
const descriptor = await client.getAcpDescriptorById("echo");
const node = ACPNode.fromDescriptor({ descriptor, name: "remote", agentId: "echo", clientConfig: { host: proxyUrl }, inputPath: "job.input", outputPath: "job.output" });
const State = Annotation.Root({ job: Annotation() });
const parent = new StateGraph(State).addNode("remote", node).addEdge(START, "remote").addEdge("remote", END).compile();
out.callbacks = (await openTelemetryCallbacks()).length;
out.node = (await parent.invoke({ job: { input: { text: "node" } } }, { callbacks: await openTelemetryCallbacks() })).job.output;
const traced = await fetch(server.url + "/runs/wait", {
  method: "POST",
  headers: { "content-type": "application/json", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
  body: JSON.stringify({ agent_id: "echo", input: { text: "traced" } }),
});
out.traced = { status: traced.status, values: (await traced.json()).output?.values };
out.requests = headers.length;
out.traceHeaders = headers.flatMap((h) => ["traceparent", "tracestate", "baggage", "langsmith-trace"].filter((n) => h[n] !== undefined));
out.warnings = warnings;
await client.close?.();
proxy.close();
await server.close();
console.log(JSON.stringify(out));
`;

beforeAll(() => {
  const dist = dirname(dirname(requireBuiltCli()));
  // Outside the project: nothing above it holds the project's node_modules.
  dir = mkdtempSync(join(tmpdir(), "acp-tracing-absent-"));
  cpSync(dist, join(dir, "dist"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  // Every installed package, linked, but the OpenTelemetry ones: the copy resolves its
  // imports here and above, where nothing else is installed.
  const modules = join(dir, "node_modules");
  mkdirSync(modules);
  for (const name of readdirSync(join(projectRoot, "node_modules"))) {
    if (name === "@opentelemetry" || name.startsWith(".")) continue;
    symlinkSync(join(projectRoot, "node_modules", name), join(modules, name));
  }
  writeFileSync(join(dir, "agents.mjs"), AGENTS);
  writeFileSync(join(dir, "check.mjs"), CHECK);
});

afterAll(() => {
  for (const child of servers) child.kill("SIGTERM");
  servers = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts `acp serve` from the copy; resolves with its URL. */
function serve(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(dir, "dist/cli/index.js"), "serve", ...args], {
    cwd: dir,
    env: childEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let seen = "";
    const read = (c: Buffer) => {
      seen += c.toString("utf8");
      const url = seen.match(/serving on (\S+)/)?.[1];
      if (url) resolve({ url, child });
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", (c: Buffer) => {
      seen += c.toString("utf8");
    });
    child.once("close", (code) => reject(new Error(`acp serve ended (${code}): ${seen}`)));
  });
}

describe("without @opentelemetry/api installed", () => {
  it("the client, ACPNode and a server from code work, record nothing and send no trace headers", async () => {
    const { stdout } = await run(process.execPath, [join(dir, "check.mjs")], {
      cwd: dir,
      env: childEnv(),
    });
    const out = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    expect(out.api).toBe("ERR_MODULE_NOT_FOUND");
    expect(out.client).toEqual({ text: "client!" });
    expect(out.stream).toEqual({ text: "stream!" });
    expect(out.node).toEqual({ text: "node!" });
    expect(out.callbacks).toBe(0);
    expect(out.traced).toEqual({ status: 200, values: { text: "traced!" } });
    expect(out.requests).toBeGreaterThanOrEqual(4);
    expect(out.traceHeaders).toEqual([]);
    expect(out.warnings).toEqual([]);
  });

  it("acp serve serves, and answers a caller's traceparent as any request", async () => {
    const { url, child } = await serve(["agents.mjs", "--port", "0"]);
    const answer = await fetch(`${url}/runs/wait`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      },
      body: JSON.stringify({ agent_id: "echo", input: { text: "cli" } }),
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { output: { values: unknown } }).output.values).toEqual({
      text: "cli!",
    });
    child.kill("SIGTERM");
  });

  it("acp serve asked to export spans names the packages it needs, and stops", async () => {
    const started = serve(["agents.mjs", "--port", "0", "--otlp-endpoint", "http://127.0.0.1:9"]);
    await expect(started).rejects.toThrow(
      /acp serve ended \(1\):[\s\S]*needs the OpenTelemetry SDK: npm install @opentelemetry\/api/,
    );
  });
});
