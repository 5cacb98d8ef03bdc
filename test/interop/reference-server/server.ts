/**
 * A stand-in for the Python reference ACP server (agntcy/workflow-srv, FastAPI +
 * pydantic 2 under uvicorn), written from reading its source, over real HTTP on
 * 127.0.0.1. It reproduces what a client sees, byte for byte where it matters:
 *
 * - `apis/agents.py`: `GET /agents/{id}`, `GET /agents/{id}/descriptor`, `POST
 *   /agents/search`; unknown agents are `404 {"detail":"Agent \"<id>\" not found"}`.
 * - `apis/stateless_runs.py`: create, wait, stream, get, search and resume of
 *   stateless runs. `_stream_sse_events` numbers the events of *each connection*
 *   from 1, ignores `Last-Event-ID`, and writes a keep-alive as a bare `:` with no
 *   line end, so it lands in front of the next frame's `id:` line. `_wait_and_return_run_output`
 *   answers a server-side wait timeout with 204 and an unknown run with an empty 404.
 *   Cancel and delete answer `500 {"detail":"Not implemented"}`.
 * - `services/validation.py`: `"input"`/`"config"` are required when the agent's
 *   schema for them is not empty (422 with a string `detail`); an unknown agent is a 404.
 * - FastAPI itself: `HTTPException` bodies are `{"detail":"..."}`; a body that fails
 *   the pydantic model is `422 {"detail":[{"type","loc","msg","input"}]}` (a
 *   `stream_mode` value cannot be read into the generated `StreamMode` wrapper model,
 *   so any non-null one fails that way); an unhandled exception is a plain-text
 *   `500 Internal Server Error` (as the metadata filter of `Runs.search_for_runs`
 *   raises as soon as one run is found: it iterates `enumerate(runs)` and indexes the
 *   tuple by name); unknown paths `404 {"detail":"Not Found"}`.
 * - `apis/authentication.py`: with a key configured, a missing or wrong `x-api-key`
 *   is `401 {"detail":"Invalid API Key"}`.
 * - `apis/threads.py`: `POST /threads`, `GET /threads/{id}` (`values` and `messages`
 *   `null` while the agent has no state for the thread).
 *
 * Schema failures are reported with the first line of jsonschema's message only.
 * Faults a test needs and the reference does not have are under `faults`.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Ajv } from "ajv";
import { fastapiJson, pythonJson } from "./python-json.js";
import { type InterruptType, ReferenceRuns, type StreamingGraph } from "./runs.js";
import {
  agentMetadataWire,
  configDump,
  type DescriptorInput,
  descriptorWire,
  naiveNow,
  runWire,
  type StoredRun,
  threadWire,
  waitWire,
} from "./wire.js";

/** An agent the stand-in serves: a compiled LangGraph.js graph and its manifest's data. */
export interface ReferenceAgent {
  agentId: string;
  descriptor: DescriptorInput;
  graph: StreamingGraph;
}

/** How the stand-in behaves. */
export interface StandInOptions {
  agents: ReferenceAgent[];
  /** `API_KEY`: when set, every API route wants it in `x-api-key`. */
  apiKey?: string;
  /** How long a stream waits for a message before it writes a keep-alive (reference: 10 s). */
  keepAliveMs?: number;
  /**
   * How long a wait waits before answering 204 (the reference's `TimeoutError`
   * branch); undefined waits as long as the run takes, as its handlers call it.
   */
  waitTimeoutMs?: number;
}

/** Faults a test injects; none is reference behaviour. */
export interface StandInFaults {
  /** The next stream connection is cut after this many events. */
  dropNextStreamAfter?: number;
  /**
   * The race of the reference's stream queues at its widest, for as long as it is
   * set: a stream reads each update off its queue only once the run has stopped, so
   * the update is labelled by the run's status then (see `ReferenceRuns.events`).
   * An update read after the run was interrupted goes out as an `interrupt` event
   * carrying that update, while the real interrupt is only in the wait answer.
   */
  readUpdatesAfterStop?: boolean;
}

/** One stream response, as the bytes went out. */
export interface StreamRecord {
  method: string;
  url: string;
  lastEventId: string | undefined;
  chunks: string[];
}

/** A running stand-in. */
export interface StandInServer {
  url: string;
  runs: ReferenceRuns;
  faults: StandInFaults;
  /** Every stream response, in order. */
  streams: StreamRecord[];
  /** Every request line received, as `METHOD /path`. */
  requests: string[];
  /** Resolves when the next keep-alive has been written to a stream. */
  keepAliveSent(): Promise<void>;
  close(): Promise<void>;
}

const ajv = new Ajv({ strict: false, allErrors: false });

/** Starts the stand-in on 127.0.0.1, port 0. */
export async function startReferenceServer(options: StandInOptions): Promise<StandInServer> {
  const agents = new Map(options.agents.map((a) => [a.agentId, a]));
  const runs = new ReferenceRuns(
    new Map(
      options.agents.map((a) => [
        a.agentId,
        { graph: a.graph, interrupts: (a.descriptor.interrupts ?? []) as InterruptType[] },
      ]),
    ),
  );
  const threads = new Map<string, Parameters<typeof threadWire>[0]>();
  const keepAliveMs = options.keepAliveMs ?? 10_000;
  const streams: StreamRecord[] = [];
  const requests: string[] = [];
  const faults: StandInFaults = {};
  let keepAliveWaiters: (() => void)[] = [];

  async function stream(req: IncomingMessage, res: ServerResponse, runId: string): Promise<void> {
    const record: StreamRecord = {
      method: req.method ?? "",
      url: req.url ?? "",
      lastEventId: header(req, "last-event-id"),
      chunks: [],
    };
    streams.push(record);
    const dropAfter = faults.dropNextStreamAfter;
    faults.dropNextStreamAfter = undefined;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
    const send = (chunk: string) => {
      record.chunks.push(chunk);
      res.write(chunk);
    };
    let lastEventId = 0;
    const events = runs.events(runId, keepAliveMs, faults.readUpdatesAfterStop === true);
    req.socket.once("close", () => void events.return(undefined));
    for await (const event of events) {
      if (res.destroyed) break;
      if (event === null) {
        send(":");
        const waiters = keepAliveWaiters;
        keepAliveWaiters = [];
        for (const wake of waiters) wake();
        continue;
      }
      lastEventId += 1;
      send(`id: ${lastEventId}\nevent: agent_event\ndata: ${pythonJson(event)}\n\n`);
      if (dropAfter !== undefined && lastEventId >= dropAfter) {
        await new Promise<void>((resolve) => res.write("", () => resolve()));
        req.socket.destroy();
        return;
      }
    }
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://stand-in").pathname;
    requests.push(`${method} ${path}`);
    if (options.apiKey !== undefined && header(req, "x-api-key") !== options.apiKey) {
      return detail(res, 401, "Invalid API Key");
    }
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const [root, id, sub] = parts;

    if (root === "agents") {
      if (method === "POST" && id === "search" && parts.length === 2) {
        const search = parseJson(res, body);
        if (search === undefined) return;
        const { name, version } = (search ?? {}) as { name?: string; version?: string };
        if (!name && !version) {
          return detail(res, 422, "At least one of 'name' or 'version' must be provided");
        }
        const found = [...agents.values()].filter(
          (a) =>
            (!name || a.descriptor.name === name) && (!version || a.descriptor.version === version),
        );
        return json(
          res,
          200,
          found.map((a) => ({ agent_id: a.agentId, metadata: agentMetadataWire(a.descriptor) })),
        );
      }
      if (method === "GET" && id !== undefined && parts.length <= 3) {
        const agent = agents.get(id);
        if (!agent) return detail(res, 404, `Agent "${id}" not found`);
        if (sub === "descriptor") return json(res, 200, descriptorWire(agent.descriptor));
        if (sub === undefined) {
          return json(res, 200, {
            agent_id: agent.agentId,
            metadata: agentMetadataWire(agent.descriptor),
          });
        }
      }
    }

    if (root === "runs") {
      if (method === "POST" && (id === undefined || id === "wait" || id === "stream")) {
        const create = parseRunCreate(res, body);
        if (!create) return;
        const agent = agents.get(String(create.agent_id));
        if (!agent) return detail(res, 404, `Agent ${create.agent_id ?? "None"} not found`);
        const problem = runCreateProblem(agent.descriptor, create);
        if (problem) return detail(res, 422, problem);
        const run = runs.put({
          run_id: randomUUID(),
          agent_id: agent.agentId,
          thread_id: randomUUID(),
          input: create.input ?? null,
          config: configDump(create.config),
          metadata: (create.metadata as Record<string, unknown> | undefined) ?? null,
          webhook: (create.webhook as string | undefined) ?? null,
        });
        if (id === "stream") return stream(req, res, run.run_id);
        if (id === "wait") return waitAnswer(res, run.run_id);
        return json(res, 200, runWire(run));
      }
      if (method === "POST" && id === "search" && parts.length === 2) {
        const search = parseJson(res, body);
        if (search === undefined) return;
        const s = (search ?? {}) as Record<string, unknown>;
        const agentId = (s.agent_id as string | undefined) ?? options.agents[0]?.agentId;
        const found = [...runs.runs.values()].filter(
          (r) => r.agent_id === agentId && (s.status === undefined || r.status === s.status),
        );
        const metadata = s.metadata as Record<string, unknown> | undefined;
        if (metadata && Object.keys(metadata).length > 0 && found.length > 0) {
          return internalError(res);
        }
        const offset = (s.offset as number | undefined) ?? 0;
        const limit = (s.limit as number | undefined) ?? 10;
        return json(res, 200, found.slice(offset, offset + limit).map(runWire));
      }
      if (id !== undefined && parts.length <= 3) {
        const run = runs.runs.get(id);
        if (method === "GET" && sub === undefined) {
          if (!run) return detail(res, 404, `Run with ID ${id} not found`);
          return json(res, 200, runWire(run));
        }
        if (method === "GET" && sub === "wait") return waitAnswer(res, id);
        if (method === "GET" && sub === "stream") {
          if (!run) return detail(res, 404, `Run with ID ${id} not found`);
          return stream(req, res, id);
        }
        if (method === "POST" && sub === undefined) return resume(res, run, body);
        if ((method === "POST" && sub === "cancel") || (method === "DELETE" && !sub)) {
          return detail(res, 500, "Not implemented");
        }
      }
    }

    if (root === "threads") {
      if (method === "POST" && id === undefined) {
        const create = parseJson(res, body);
        if (create === undefined) return;
        const c = (create ?? {}) as { thread_id?: string; metadata?: Record<string, unknown> };
        const now = naiveNow();
        const thread = {
          thread_id: c.thread_id ?? randomUUID(),
          metadata: c.metadata ?? null,
          created_at: now,
          updated_at: now,
          status: "idle",
        };
        threads.set(thread.thread_id, thread);
        return json(res, 200, threadWire(thread));
      }
      if (method === "GET" && id !== undefined && parts.length === 2) {
        const thread = threads.get(id);
        if (!thread) return detail(res, 404, "Thread not found");
        return json(res, 200, threadWire(thread));
      }
    }
    return detail(res, 404, "Not Found");
  }

  async function waitAnswer(res: ServerResponse, runId: string): Promise<void> {
    const answer = await runs.waitForOutput(runId, options.waitTimeoutMs);
    if (answer === "timeout") return empty(res, 204);
    if (answer === undefined) return empty(res, 404);
    return json(res, 200, waitWire(answer.run, runs.outputWire(answer.run, answer.output)));
  }

  function resume(res: ServerResponse, run: StoredRun | undefined, body: string): void {
    const answer = parseJson(res, body);
    if (answer === undefined) return;
    const problem = resumeProblem(run, answer);
    if (problem) detail(res, problem.status, problem.message);
    else json(res, 200, runWire(runs.resume(run as StoredRun, answer)));
  }

  /** `validate_resume_run`: 400 for a run that waits at no interrupt, 422 for a bad answer. */
  function resumeProblem(
    run: StoredRun | undefined,
    answer: unknown,
  ): { status: number; message: string } | undefined {
    if (!run) return { status: 400, message: "Run not found" };
    if (run.status !== "interrupted") {
      return { status: 400, message: "Run is not in interrupted state" };
    }
    const name = run.interrupt?.name;
    const declared = agents.get(run.agent_id)?.descriptor.interrupts ?? [];
    const type = declared.find((t) => t.interrupt_type === name);
    if (!type) return { status: 400, message: `Interrupt ${name} not found` };
    if (!ajv.validate(type.resume_payload, answer)) {
      return { status: 422, message: `Resume payload not valid: ${ajv.errorsText(ajv.errors)}` };
    }
    return undefined;
  }

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8")).catch(() => {
        if (!res.headersSent) internalError(res);
        else res.destroy();
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    runs,
    faults,
    streams,
    requests,
    keepAliveSent: () => new Promise<void>((resolve) => keepAliveWaiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The body of a run creation request as the handlers see it. */
type RunCreateBody = Record<string, unknown>;

/**
 * The request model checks of `RunCreateStateless` that a client can trip: a
 * non-string `agent_id`, and any `stream_mode` that is not `null` (the generated
 * `StreamMode` is a `oneOf` wrapper model that pydantic can only fill from a dict).
 */
function parseRunCreate(res: ServerResponse, body: string): RunCreateBody | undefined {
  const value = parseJson(res, body);
  if (value === undefined) return undefined;
  const create = (value ?? {}) as RunCreateBody;
  const errors: Record<string, unknown>[] = [];
  if (create.agent_id !== undefined && create.agent_id !== null) {
    if (typeof create.agent_id !== "string") {
      errors.push({
        type: "string_type",
        loc: ["body", "agent_id"],
        msg: "Input should be a valid string",
        input: create.agent_id,
      });
    }
  }
  if (create.stream_mode !== undefined && create.stream_mode !== null) {
    errors.push({
      type: "model_attributes_type",
      loc: ["body", "stream_mode"],
      msg: "Input should be a valid dictionary or object to extract fields from",
      input: create.stream_mode,
    });
  }
  if (errors.length > 0) {
    json(res, 422, { detail: errors });
    return undefined;
  }
  return create;
}

/** `validate_run_create`: what the agent's descriptor makes required or invalid. */
function runCreateProblem(descriptor: DescriptorInput, create: RunCreateBody): string | undefined {
  const configurable = (create.config as Record<string, unknown> | undefined)?.configurable;
  if (Object.keys(descriptor.input).length > 0 && !truthy(create.input)) {
    return '"input" is required for this agent';
  }
  if (Object.keys(descriptor.config).length > 0 && !truthy(create.config)) {
    return '"config" is required for this agent';
  }
  if (truthy(create.input) && !ajv.validate(descriptor.input, create.input)) {
    return `: ${ajv.errorsText(ajv.errors)}`;
  }
  if (truthy(configurable) && !ajv.validate(descriptor.config, configurable)) {
    return `: ${ajv.errorsText(ajv.errors)}`;
  }
  return undefined;
}

/** Python truthiness of a JSON value. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") {
    return false;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/**
 * The request body as JSON; an empty body is `null` (`Body(None)`). A body that is
 * not JSON is FastAPI's `json_invalid` 422 and `undefined` is returned.
 */
function parseJson(res: ServerResponse, body: string): unknown {
  if (body === "") return null;
  try {
    return JSON.parse(body);
  } catch (error) {
    json(res, 422, {
      detail: [
        {
          type: "json_invalid",
          loc: ["body", 0],
          msg: "JSON decode error",
          input: {},
          ctx: { error: error instanceof Error ? error.message : "Expecting value" },
        },
      ],
    });
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `JSONResponse`: compact JSON with a content length. */
function json(res: ServerResponse, status: number, value: unknown): void {
  const text = Buffer.from(fastapiJson(value), "utf8");
  res.writeHead(status, { "content-type": "application/json", "content-length": text.length });
  res.end(text);
}

/** `HTTPException(status, detail)` through FastAPI's handler. */
function detail(res: ServerResponse, status: number, message: string): void {
  json(res, status, { detail: message });
}

/** `Response(status_code=...)` without content. */
function empty(res: ServerResponse, status: number): void {
  res.writeHead(status, status === 204 ? {} : { "content-length": 0 });
  res.end();
}

/** Starlette's `ServerErrorMiddleware` answer to an unhandled exception. */
function internalError(res: ServerResponse): void {
  const text = "Internal Server Error";
  res.writeHead(500, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
