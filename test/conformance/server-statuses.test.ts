/**
 * Every status the server answers is one the spec declares for that operation.
 *
 * The walk goes over the operation table and drives each operation over real HTTP
 * with the inputs that provoke its error paths: path ids that name nothing, that name
 * something of another kind or in another state (a busy thread, a run of another
 * thread, an interrupted or finished run), that are not UUIDs or are too long; every
 * body the operation's schema refuses, bodies the agents' schemas refuse, bodies that
 * conflict with the state; malformed JSON, no body, another content type; invalid query
 * parameters and `Last-Event-ID`s. Each operation gets fresh resources, so one
 * operation's deletions do not hide another's error paths.
 *
 * Allowed beyond an operation's declared statuses, for every operation: 401 (no or a
 * wrong `x-api-key`, a security scheme the spec leaves to the deployment) and 413 (a
 * body over the server's limit, answered before any operation is chosen).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OperationName, operations } from "../../src/operations.js";
import { declaredErrors } from "../../src/server/http/declared-statuses.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";
import { type Json, loadSpec } from "../helpers/spec.js";

const API_KEY = "conformance-key";
const MAX_BODY_BYTES = 64 * 1024;
const EVERY_OPERATION = [401, 413];

/** One request of the walk and the status it got. */
interface Answer {
  operation: OperationName;
  what: string;
  status: number;
}

/** The resources one operation is driven against. */
interface World {
  finishedRun: string;
  interruptedRun: string;
  idleThread: string;
  idleThreadRun: string;
  busyThread: string;
  pendingRun: string;
  interruptedThread: string;
  interruptedThreadRun: string;
}

/** A request to send: path values, query, body, headers. */
interface Probe {
  what: string;
  path: Record<string, string>;
  query?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

const MALFORMED_IDS = ["not-a-uuid", "x".repeat(300), "has space", "constructor"];

describe("the statuses the server answers, per operation", () => {
  const declared = new Map<string, Set<number>>();
  let running: TestACPServer;

  beforeAll(async () => {
    for (const item of Object.values<Json>(loadSpec().paths)) {
      for (const op of Object.values<Json>(item)) {
        if (op?.operationId) {
          declared.set(op.operationId, new Set(Object.keys(op.responses).map(Number)));
        }
      }
    }
    running = await startACPServer({ apiKey: API_KEY, maxBodyBytes: MAX_BODY_BYTES });
  });

  afterAll(async () => {
    running?.gate.release();
    await running?.close();
  });

  /** Sends a request; a stream's body is not read beyond its status. */
  async function send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: () => Promise<Json> }> {
    const init: RequestInit = { method, headers: { "x-api-key": API_KEY, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const response = await fetch(`${running.url}${path}`, init);
    if (response.headers.get("content-type")?.startsWith("text/event-stream")) {
      await response.body?.cancel();
      return { status: response.status, json: async () => undefined };
    }
    const text = await response.text();
    return { status: response.status, json: async () => JSON.parse(text) };
  }

  async function ok(method: string, path: string, body?: unknown): Promise<Json> {
    const answer = await send(method, path, body);
    expect(answer.status, `${method} ${path} while setting up`).toBe(200);
    return answer.json();
  }

  async function newWorld(): Promise<World> {
    const finished = await ok("POST", "/runs/wait", {
      agent_id: agentIds.echo,
      input: { text: "done" },
    });
    const interrupted = await ok("POST", "/runs/wait", {
      agent_id: agentIds.interrupt,
      input: { topic: "t" },
    });
    const idle = (await ok("POST", "/threads", {})).thread_id;
    const idleRun = await ok("POST", `/threads/${idle}/runs/wait`, {
      agent_id: agentIds.echo,
      input: { text: "a" },
    });
    const busy = (await ok("POST", "/threads", {})).thread_id;
    const started = running.gate.started;
    const pending = await ok("POST", `/threads/${busy}/runs`, {
      agent_id: agentIds.slow,
      input: { text: "slow" },
    });
    await running.gate.waitForStarted(started + 1);
    const asking = (await ok("POST", "/threads", {})).thread_id;
    const askingRun = await ok("POST", `/threads/${asking}/runs/wait`, {
      agent_id: agentIds.interrupt,
      input: { topic: "t" },
    });
    return {
      finishedRun: finished.run.run_id,
      interruptedRun: interrupted.run.run_id,
      idleThread: idle,
      idleThreadRun: idleRun.run.run_id,
      busyThread: busy,
      pendingRun: pending.run_id,
      interruptedThread: asking,
      interruptedThreadRun: askingRun.run.run_id,
    };
  }

  /** Path values for each parameter combination worth trying. */
  function paths(params: readonly string[], w: World): Array<[string, Record<string, string>]> {
    const malformed = (name: string, base: Record<string, string>) =>
      MALFORMED_IDS.map((id): [string, Record<string, string>] => [
        `${name} ${id.slice(0, 12)}`,
        { ...base, [name]: id },
      ]);
    if (params.includes("agent_id")) {
      const unknown: [string, Record<string, string>] = [
        "unknown agent",
        { agent_id: randomUUID() },
      ];
      return [["echo agent", { agent_id: agentIds.echo }], unknown, ...malformed("agent_id", {})];
    }
    if (params.includes("thread_id") && params.includes("run_id")) {
      const idle = { thread_id: w.idleThread, run_id: w.idleThreadRun };
      return [
        ["idle thread, its run", idle],
        ["busy thread, its pending run", { thread_id: w.busyThread, run_id: w.pendingRun }],
        [
          "interrupted thread, its run",
          { thread_id: w.interruptedThread, run_id: w.interruptedThreadRun },
        ],
        ["idle thread, another thread's run", { thread_id: w.idleThread, run_id: w.pendingRun }],
        ["idle thread, a stateless run", { thread_id: w.idleThread, run_id: w.finishedRun }],
        ["unknown thread", { thread_id: randomUUID(), run_id: w.idleThreadRun }],
        ["unknown run", { thread_id: w.idleThread, run_id: randomUUID() }],
        ...malformed("thread_id", idle),
        ...malformed("run_id", idle),
      ];
    }
    if (params.includes("thread_id")) {
      return [
        ["idle thread", { thread_id: w.idleThread }],
        ["busy thread", { thread_id: w.busyThread }],
        ["interrupted thread", { thread_id: w.interruptedThread }],
        ["unknown thread", { thread_id: randomUUID() }],
        ...malformed("thread_id", {}),
      ];
    }
    if (params.includes("run_id")) {
      return [
        ["finished run", { run_id: w.finishedRun }],
        ["interrupted run", { run_id: w.interruptedRun }],
        ["a thread's run", { run_id: w.idleThreadRun }],
        ["unknown run", { run_id: randomUUID() }],
        ...malformed("run_id", {}),
      ];
    }
    return [["", {}]];
  }

  /** Bodies that the operation's schema, the agents' schemas or the state refuse (and a good one). */
  function bodies(name: OperationName, w: World): Array<[string, unknown]> {
    const body = operations[name].body;
    const echoRun = { agent_id: agentIds.echo, input: { text: "x" } };
    const runCreate: Array<[string, unknown]> = [
      ["echo run", echoRun],
      ["default agent", { input: { text: "x" } }],
      ["unknown agent", { agent_id: randomUUID(), input: {} }],
      ["input the agent refuses", { agent_id: agentIds.echo, input: { text: 5 } }],
      ["config the agent refuses", { agent_id: agentIds.echo, config: { configurable: { x: 1 } } }],
      ["undeclared stream mode", { agent_id: agentIds.plain, input: {}, stream_mode: "custom" }],
      ["bad webhook", { agent_id: agentIds.echo, input: { text: "x" }, webhook: "ftp://h/x" }],
      ["after_seconds too large", { agent_id: agentIds.echo, after_seconds: 1e12 }],
      ["input not an object", { agent_id: agentIds.echo, input: [1] }],
    ];
    switch (body) {
      case null:
        return [];
      case operations.createStatelessRun.body:
        return runCreate;
      case operations.createThreadRun.body:
        return [
          ...runCreate,
          ["agent without threads", { agent_id: agentIds.plain, input: {} }],
          ["cancel the busy run", { ...echoRun, multitask_strategy: "interrupt" }],
          ["create the thread", { ...echoRun, if_not_exists: "create" }],
          ["unknown multitask strategy", { ...echoRun, multitask_strategy: "x" }],
        ];
      case operations.resumeStatelessRun.body:
        return [
          ["the answer asked for", { answer: "a" }],
          ["an answer of another shape", { reply: 1 }],
        ];
      case operations.createThread.body:
        return [
          ["new thread", {}],
          ["existing thread", { thread_id: w.idleThread }],
          ["existing thread, do nothing", { thread_id: w.idleThread, if_exists: "do_nothing" }],
          ["thread id not a UUID", { thread_id: "not a thread id!" }],
          ["metadata not an object", { metadata: "m" }],
        ];
      case operations.patchThread.body:
        return [
          ["metadata", { metadata: { m: 1 } }],
          ["values", { values: { text: "patched" } }],
          ["unknown checkpoint", { checkpoint: { checkpoint_id: randomUUID() }, values: {} }],
          ["metadata not an object", { metadata: 1 }],
        ];
      default:
        return [
          ["empty search", {}],
          ["limit 0", { limit: 0 }],
          ["unknown status", { status: "nope" }],
          ["metadata not an object", { metadata: 5 }],
        ];
    }
  }

  /** Bodies that are not a JSON body of any schema. */
  const malformedBodies: Array<[string, unknown, Record<string, string>?]> = [
    ["text/plain", '{"input":{}}', { "content-type": "text/plain" }],
    ["form", "a=1", { "content-type": "application/x-www-form-urlencoded" }],
    ["broken JSON", '{"input":'],
    ["empty body", ""],
    ["JSON null", "null"],
    ["JSON array", "[]"],
    ["JSON string", '"x"'],
    ["deep nesting", `${"[".repeat(2000)}${"]".repeat(2000)}`],
    ["over the body limit", JSON.stringify({ input: { text: "x".repeat(MAX_BODY_BYTES) } })],
  ];

  const queries: Record<string, string[]> = {
    wait: ["true", "maybe"],
    action: ["rollback", "explode"],
    limit: ["1", "0", "abc", "100000"],
    offset: ["0", "-1"],
    before: ["", randomUUID()],
  };

  function probes(name: OperationName, w: World): Probe[] {
    const op = operations[name];
    const all = paths(op.pathParams, w);
    const base = all[0]?.[1] ?? {};
    const good = bodies(name, w)[0]?.[1];
    const list: Probe[] = [
      { what: "no x-api-key", path: base, body: good, headers: { "x-api-key": "" } },
      { what: "wrong x-api-key", path: base, body: good, headers: { "x-api-key": "wrong" } },
    ];
    const waits = name.startsWith("waitFor") || name.startsWith("createAndWait");
    for (const [what, path] of all) {
      // Waiting for a run that never ends would never answer.
      if (waits && path.run_id === w.pendingRun) continue;
      list.push({ what, path, body: good });
    }
    for (const [what, body] of bodies(name, w)) list.push({ what, path: base, body });
    if (op.body !== null) {
      for (const [what, body, headers] of malformedBodies)
        list.push({ what, path: base, body, headers });
    }
    for (const param of op.queryParams) {
      for (const value of queries[param] ?? []) {
        list.push({ what: `${param}=${value}`, path: base, query: { [param]: value } });
      }
    }
    if (op.stream && op.pathParams.includes("run_id")) {
      for (const id of ["abc", "-1", "99999999999999999999"]) {
        list.push({ what: `Last-Event-ID ${id}`, path: base, headers: { "last-event-id": id } });
      }
    }
    return list;
  }

  it("the router's table of declared errors is the spec's", () => {
    for (const name of Object.keys(operations) as OperationName[]) {
      const fromSpec = [...(declared.get(operations[name].operationId) ?? [])].filter(
        (s) => s >= 400,
      );
      expect([...declaredErrors[name]].sort(), name).toEqual(fromSpec.sort());
    }
  });

  it.each(Object.keys(operations) as OperationName[])(
    "%s answers only statuses its operation declares",
    async (name) => {
      const op = operations[name];
      const allowed = new Set([...(declared.get(op.operationId) ?? []), ...EVERY_OPERATION]);
      const w = await newWorld();
      const mine: Answer[] = [];
      for (const probe of probes(name, w)) {
        const path = op.path.replace(/\{(\w+)\}/g, (_, p: string) =>
          encodeURIComponent(probe.path[p] ?? ""),
        );
        const query = new URLSearchParams(probe.query ?? {}).toString();
        const { status } = await send(
          op.method,
          query ? `${path}?${query}` : path,
          probe.body,
          probe.headers,
        );
        mine.push({ operation: name, what: probe.what, status });
      }
      const undeclared = mine.filter((a) => !allowed.has(a.status));
      expect(
        undeclared.map((a) => `${a.what}: ${a.status}`),
        `${op.operationId} declares ${[...allowed].join(", ")}`,
      ).toEqual([]);
      // The walk reaches every error the operation declares, so it would see a wrong one.
      const errors = [...(declared.get(op.operationId) ?? [])].filter((s) => s >= 400);
      const seen = new Set(mine.map((a) => a.status));
      expect(
        errors.filter((s) => !seen.has(s) && !UNREACHABLE[op.operationId]?.includes(s)),
        `${op.operationId}: declared errors the walk did not provoke`,
      ).toEqual([]);
    },
  );
});

/**
 * Errors an operation declares that this server never answers, and why: a stateless
 * run belongs to no thread, so nothing can conflict with creating one.
 */
const UNREACHABLE: Record<string, number[]> = {
  create_stateless_run: [409],
  create_and_stream_stateless_run_output: [409],
  create_and_wait_for_stateless_run_output: [409],
};
