/**
 * `acp a2a` over real HTTP against this project's server's A2A endpoints, through the
 * built command: the card, sends streamed and waited for, a task's questions answered
 * from --resume and from stdin, a failed task, a task read, cancelled and listed, the
 * key, and the view at a terminal.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { Role, type Task, TaskState } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { acp, lines, requireBuiltCli } from "../helpers/acp-process.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";

const API_KEY = "cli-a2a-key-51c2e8";

let server: TestACPServer;
let keyed: TestACPServer;

beforeAll(async () => {
  requireBuiltCli();
  server = await startACPServer();
  keyed = await startACPServer({ apiKey: API_KEY });
});

afterAll(async () => {
  server?.gate.release();
  keyed?.gate.release();
  await server?.close();
  await keyed?.close();
});

/** An agent's A2A base URL, without its trailing slash (the command adds it). */
const base = (agentId: string, running: TestACPServer = server) => `${running.url}/a2a/${agentId}`;

// biome-ignore lint/suspicious/noExplicitAny: the protocol's wire JSON, read by path in assertions
type Json = Record<string, any>;
const json = (text: string): Json[] => lines(text).map((l) => JSON.parse(l));

describe("acp a2a card", () => {
  it("prints the card read from the base URL or from the card's own URL", async () => {
    const fromBase = await acp(["a2a", "card", base(agentIds.echo)]);
    expect(fromBase.code).toBe(0);
    const card = JSON.parse(fromBase.stdout);
    expect(card).toMatchObject({
      name: "test.echo",
      capabilities: { streaming: true },
      supportedInterfaces: [
        { url: `${base(agentIds.echo)}/`, protocolBinding: "JSONRPC" },
        { url: `${base(agentIds.echo)}/rest`, protocolBinding: "HTTP+JSON" },
      ],
    });
    const fromCard = await acp([
      "a2a",
      "card",
      `${base(agentIds.echo)}/.well-known/agent-card.json`,
    ]);
    expect(JSON.parse(fromCard.stdout)).toEqual(card);
  });

  it("says in one line when there is no agent there", async () => {
    const r = await acp(["a2a", "card", base("no-such-agent")]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^acp: .*404/);
  });
});

describe("acp a2a send", () => {
  it("streams the task's events as JSON lines when piped, over either transport", async () => {
    for (const transport of ["JSONRPC", "HTTP+JSON"]) {
      const r = await acp([
        "a2a",
        "--transport",
        transport,
        "send",
        base(agentIds.echo),
        "--input",
        '{"text":"hi"}',
      ]);
      expect(r, transport).toMatchObject({ code: 0, stderr: "" });
      const events = json(r.stdout);
      expect(events[0]?.task?.status?.state, transport).toBe("TASK_STATE_WORKING");
      expect(events.at(-1)?.statusUpdate?.status?.state, transport).toBe("TASK_STATE_COMPLETED");
      const artifact = events.findLast((e) => e.artifactUpdate)?.artifactUpdate?.artifact;
      expect(artifact?.parts?.[0]?.data, transport).toMatchObject({
        text: "hi",
        reply: "echo: hi",
      });
    }
  });

  it("waits for the task with --no-stream and prints it as one JSON line", async () => {
    const r = await acp(["a2a", "send", base(agentIds.echo), "--text", "plain", "--no-stream"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const [task, ...rest] = json(r.stdout);
    expect(rest).toEqual([]);
    expect(task).toMatchObject({
      status: { state: "TASK_STATE_COMPLETED" },
      artifacts: [{ parts: [{ data: { text: "plain", reply: "echo: plain" } }] }],
    });
  });

  it("answers each question of the task with the --resume values, in the same task", async () => {
    for (const mode of ["--stream", "--no-stream"]) {
      const r = await acp([
        "a2a",
        "send",
        base(agentIds.interrupt),
        "--input",
        '{"topic":"cats"}',
        mode,
        "--resume",
        '{"answer":"one"}',
        "--resume",
        '{"answer":"two"}',
      ]);
      expect(r, mode).toMatchObject({ code: 0, stderr: "" });
      const states = json(r.stdout).flatMap((e) => {
        const status = e.statusUpdate?.status ?? e.task?.status ?? e.status;
        return status ? [status.state] : [];
      });
      expect(
        states.filter((s) => s === "TASK_STATE_INPUT_REQUIRED"),
        mode,
      ).toHaveLength(2);
      expect(states.at(-1), mode).toBe("TASK_STATE_COMPLETED");
      const ids = new Set(
        json(r.stdout).map(
          (e) => e.task?.id ?? e.statusUpdate?.taskId ?? e.artifactUpdate?.taskId ?? e.id,
        ),
      );
      expect(ids.size, mode).toBe(1);
      expect(r.stdout, mode).toContain('"answers":["one","two"]');
    }
  });

  it("asks on stdin when no answer was given, showing the question", async () => {
    const r = await acp(
      ["a2a", "send", base(agentIds.interrupt), "--input", '{"topic":"owls"}', "--no-stream"],
      { stdin: '{"answer":"x"}\n{"answer":"y"}\n' },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^task [\w-]+ asks for input:\n/);
    expect(r.stderr).toContain('"question": "first about owls?"');
    expect(r.stderr).toContain("resume value (JSON): ");
    expect(json(r.stdout).at(-1)).toMatchObject({
      status: { state: "TASK_STATE_COMPLETED" },
      artifacts: [{ parts: [{ data: { answers: ["x", "y"] } }] }],
    });
  });

  it("ends with exit code 1 and the agent's words when the task fails", async () => {
    const r = await acp(["a2a", "send", base(agentIds.throwing), "--input", '{"text":"x"}']);
    expect(r.code).toBe(1);
    // The server keeps the graph's own error in its log: the status message says so.
    expect(r.stderr).toMatch(
      /^acp: task [\w-]+ failed: Error: the agent failed \(the server's log has the details\)\n$/,
    );
    expect(r.stdout).toContain("TASK_STATE_FAILED");
  });

  it("refuses a message given twice or not at all, and --stream to an agent that does not stream", async () => {
    const both = await acp(["a2a", "send", base(agentIds.echo), "--text", "a", "--input", "{}"]);
    const none = await acp(["a2a", "send", base(agentIds.echo)]);
    for (const r of [both, none]) {
      expect(r).toMatchObject({
        code: 1,
        stderr: "acp: give the message with --input JSON or --text TEXT (one of them)\n",
      });
    }
    const plain = await acp(["a2a", "send", base(agentIds.plain), "--input", "{}", "--stream"]);
    expect(plain).toMatchObject({
      code: 1,
      stderr: "acp: agent test.plain does not stream (its card says so): send without --stream\n",
    });
  });
});

describe("acp a2a get, cancel and tasks", () => {
  it("reads a task under way, cancels it, and lists it among the cancelled ones", async () => {
    const client = await new ClientFactory().createFromUrl(`${base(agentIds.slow)}/`);
    const started = (await client.sendMessage({
      tenant: "",
      message: {
        messageId: crypto.randomUUID(),
        contextId: "",
        taskId: "",
        role: Role.ROLE_USER,
        parts: [
          {
            content: { $case: "data", value: { text: "wait" } },
            metadata: undefined,
            filename: "",
            mediaType: "",
          },
        ],
        metadata: undefined,
        extensions: [],
        referenceTaskIds: [],
      },
      configuration: {
        acceptedOutputModes: [],
        taskPushNotificationConfig: undefined,
        returnImmediately: true,
      },
      metadata: undefined,
    })) as Task;
    expect(started.status?.state).toBe(TaskState.TASK_STATE_WORKING);

    const got = await acp(["a2a", "get", base(agentIds.slow), started.id]);
    expect(got.code).toBe(0);
    expect(json(got.stdout)).toMatchObject([
      { id: started.id, status: { state: "TASK_STATE_WORKING" } },
    ]);

    const cancelled = await acp(["a2a", "cancel", base(agentIds.slow), started.id]);
    expect(cancelled.code).toBe(0);
    expect(json(cancelled.stdout)).toMatchObject([
      { id: started.id, status: { state: "TASK_STATE_CANCELED" } },
    ]);

    const listed = await acp([
      "a2a",
      "tasks",
      base(agentIds.slow),
      "--status",
      "canceled",
      "--context",
      started.contextId,
    ]);
    expect(listed.code).toBe(0);
    expect(json(listed.stdout)).toMatchObject([
      { id: started.id, status: { state: "TASK_STATE_CANCELED" } },
    ]);
    const none = await acp([
      "a2a",
      "tasks",
      base(agentIds.slow),
      "--status",
      "completed",
      "--context",
      started.contextId,
    ]);
    expect(none).toMatchObject({ code: 0, stdout: "" });
  });

  it("says in one line that a task does not exist, and refuses a state it does not know", async () => {
    const missing = await acp(["a2a", "get", base(agentIds.echo), "no-such-task"]);
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toHaveLength(1);
    expect(missing.stderr).toContain("no-such-task");
    const badState = await acp(["a2a", "tasks", base(agentIds.echo), "--status", "sleeping"]);
    expect(badState.code).toBe(1);
    expect(badState.stderr).toMatch(
      /^acp: --status must be one of submitted, working, input-required/,
    );
  });
});

describe("acp a2a and the server's key", () => {
  it("sends the key from ACP_API_KEY or --api-key, is refused without it, and never shows it", async () => {
    const url = base(agentIds.echo, keyed);
    const without = await acp(["a2a", "send", url, "--text", "x"]);
    expect(without.code).toBe(1);
    const fromEnv = await acp(["a2a", "send", url, "--text", "env", "--no-stream"], {
      env: { ACP_API_KEY: API_KEY },
    });
    expect(fromEnv.code).toBe(0);
    expect(json(fromEnv.stdout)[0]).toMatchObject({ status: { state: "TASK_STATE_COMPLETED" } });
    const fromFlag = await acp(["a2a", "--api-key", API_KEY, "get", url, "no-such-task"]);
    expect(fromFlag.code).toBe(1);
    expect(fromFlag.stderr).toContain("no-such-task");
    for (const r of [without, fromEnv, fromFlag]) {
      expect(r.stdout + r.stderr).not.toContain(API_KEY);
    }
  });
});

describe("acp a2a and redirects", () => {
  it("sends the key to the named origin and follows no redirect with it", async () => {
    const seen: Array<{ at: string; key: string | undefined }> = [];
    const listen = (handler: Parameters<typeof createServer>[1]) =>
      new Promise<{ url: string; close: () => void }>((resolve) => {
        const s = createServer(handler).listen(0, "127.0.0.1", () => {
          const { port } = s.address() as AddressInfo;
          resolve({ url: `http://127.0.0.1:${port}`, close: () => s.close() });
        });
      });
    const elsewhere = await listen((req, res) => {
      seen.push({ at: "elsewhere", key: req.headers["x-api-key"] as string | undefined });
      res.writeHead(404).end();
    });
    const named = await listen((req, res) => {
      seen.push({ at: "named", key: req.headers["x-api-key"] as string | undefined });
      res.writeHead(302, { location: `${elsewhere.url}/card.json` }).end();
    });
    try {
      const r = await acp(["a2a", "card", `${named.url}/agent`], { env: { ACP_API_KEY: API_KEY } });
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).not.toContain(API_KEY);
      expect(seen).toEqual([{ at: "named", key: API_KEY }]);
    } finally {
      named.close();
      elsewhere.close();
    }
  });
});

describe("acp a2a send at a terminal", () => {
  it("prints a line per event and then the task's result", async () => {
    const stdout = new PassThrough();
    let shown = "";
    stdout.on("data", (c: Buffer) => {
      shown += c.toString("utf8");
    });
    const code = await runCli(["a2a", "send", base(agentIds.echo), "--text", "terminal"], {
      stdout,
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      env: {},
      isTTY: true,
    });
    expect(code).toBe(0);
    expect(shown).toMatch(/^task [\w-]+ \(context [\w-]+\): working\n/);
    expect(shown).toContain("artifact output\n");
    expect(shown).toContain("completed\n");
    expect(
      shown
        .trimEnd()
        .endsWith('"reply": "echo: terminal",\n  "history": [\n    "terminal"\n  ]\n}'),
    ).toBe(true);
  });
});
