import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { ACPClient, ApiClientConfiguration, type RunOutputStream } from "../../src/index.js";
import { acp, lines, projectRoot, requireBuiltCli, startAcp } from "../helpers/acp-process.js";
import { agentIds, startACPServer, type TestACPServer } from "../helpers/server.js";

const API_KEY = "cli-test-key-7f3a9c";

let server: TestACPServer;
let keyed: TestACPServer;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  requireBuiltCli();
  server = await startACPServer();
  keyed = await startACPServer({ apiKey: API_KEY });
  dir = mkdtempSync(join(projectRoot, ".tmp", "cli-server-"));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  server?.gate.release();
  keyed?.gate.release();
  await server?.close();
  await keyed?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `acp` against the test server. */
const at = (args: string[], options: Parameters<typeof acp>[1] = {}) =>
  acp([...args, "--url", server.url], options);

const json = (text: string): unknown[] => lines(text).map((l) => JSON.parse(l));

describe("acp agents and acp descriptor", () => {
  it("lists the agents as JSON lines when piped, and filters by name", async () => {
    const all = await at(["agents"]);
    expect(all.code).toBe(0);
    const ids = (json(all.stdout) as { agent_id: string }[]).map((a) => a.agent_id);
    expect(ids).toEqual(expect.arrayContaining([agentIds.echo, agentIds.interrupt]));
    const one = await at(["agents", "--name", "test.echo"]);
    expect(json(one.stdout)).toMatchObject([{ agent_id: agentIds.echo }]);
  });

  it("prints an agent's descriptor, found by name or by id", async () => {
    const client = new ACPClient({
      configuration: new ApiClientConfiguration({ host: server.url }),
    });
    const expected = await client.getAcpDescriptorById(agentIds.echo);
    await client.close();
    const byName = await at(["descriptor", "test.echo"]);
    expect(byName.code).toBe(0);
    expect(JSON.parse(byName.stdout)).toEqual(expected);
    const byId = await at(["descriptor", agentIds.echo]);
    expect(JSON.parse(byId.stdout)).toEqual(expected);
  });

  it("says so in one line when no agent has that name", async () => {
    const r = await at(["descriptor", "nope"]);
    expect(r).toMatchObject({ code: 1, stderr: 'acp: no agent with id or name "nope"\n' });
  });
});

describe("acp run", () => {
  it("waits for a run and prints its values, with --config and --input @file", async () => {
    const input = join(dir, "input.json");
    writeFileSync(input, JSON.stringify({ text: "from a file" }));
    const r = await at([
      "run",
      "test.echo",
      "--input",
      `@${input}`,
      "--config",
      '{"prefix":">> "}',
    ]);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject([{ text: "from a file", reply: ">> from a file" }]);
  });

  it("streams events as JSON lines when piped", async () => {
    const r = await at(["run", "test.custom-streaming", "--stream", "--input", '{"count":3}']);
    expect(r.code).toBe(0);
    const events = json(r.stdout) as RunOutputStream[];
    expect(events.every((e) => e.event === "agent_event")).toBe(true);
    const custom = events
      .filter((e) => e.data.type === "custom")
      .map((e) => (e.data as { update: unknown }).update);
    expect(custom).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
    expect(events.at(-1)?.data).toMatchObject({ type: "values", status: "success" });
  });

  it("resumes each interrupt with the --resume values, waiting", async () => {
    const r = await at([
      "run",
      "test.interrupt-twice",
      "--input",
      '{"topic":"cats"}',
      "--resume",
      '{"answer":"one"}',
      "--resume",
      '{"answer":"two"}',
    ]);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject([{ answers: ["one", "two"] }]);
  });

  it("resumes each interrupt with the --resume values, streaming, showing each event once", async () => {
    const r = await at([
      "run",
      "test.interrupt-twice",
      "--stream",
      "--input",
      '{"topic":"dogs"}',
      "--resume",
      '{"answer":"a"}',
      "--resume",
      '{"answer":"b"}',
    ]);
    expect(r.code).toBe(0);
    const events = json(r.stdout) as RunOutputStream[];
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const interrupts = events.filter((e) => e.data.type === "interrupt");
    expect(interrupts.map((e) => (e.data as { interrupt: unknown }).interrupt)).toMatchObject([
      { question: "first about dogs?" },
      { question: "second?" },
    ]);
    expect(events.at(-1)?.data).toMatchObject({
      status: "success",
      values: { answers: ["a", "b"] },
    });
  });

  it("asks on stdin for resume values when none are given", async () => {
    const r = await at(["run", "test.interrupt-twice", "--input", '{"topic":"owls"}'], {
      stdin: '{"answer":"x"}\n{"answer":"y"}\n',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('"question": "first about owls?"');
    expect(r.stderr).toContain("resume value (JSON): ");
    expect(json(r.stdout)).toMatchObject([{ answers: ["x", "y"] }]);
  });

  it("refuses a line that is not JSON and asks again, sending nothing for it", async () => {
    const r = await at(["run", "test.interrupt-twice", "--input", '{"topic":"owls"}'], {
      stdin: 'plain words\n{"answer":"x"}\n{"answer":"y"}\n',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('not JSON: "plain words"; a string needs quotes, e.g. "yes"\n');
    expect(r.stderr.match(/resume value \(JSON\): /g)).toHaveLength(3);
    expect(json(r.stdout)).toMatchObject([{ answers: ["x", "y"] }]);
  });

  it("refuses --input that is not a JSON object before calling the server", async () => {
    const r = await acp(["run", "test.echo", "--input", '"hi"', "--url", "http://127.0.0.1:9"]);
    expect(r).toMatchObject({
      code: 1,
      stderr: "acp: --input must be a JSON object, got string\n",
    });
  });

  it("fails in one line when an interrupt gets no resume value", async () => {
    const r = await at(["run", "test.interrupt-twice", "--stream", "--input", '{"topic":"t"}']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr).at(-1)).toMatch(
      /^acp: run [\w-]+ is interrupted and no resume value was given: pass --resume JSON$/,
    );
  });

  it("reports a run that fails as one line, exit 1", async () => {
    for (const stream of [[], ["--stream"]]) {
      const r = await at(["run", "test.throwing", ...stream, "--input", '{"text":"x"}']);
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/^acp: run [\w-]+ failed/);
      // The server withholds the graph's own message unless exposeErrors is set.
      expect(r.stderr).toContain("Error: the agent failed");
    }
  });

  it("refuses --stream for an agent that declares no streaming", async () => {
    const r = await at(["run", "test.plain", "--stream", "--input", '{"text":"x"}']);
    expect(r).toMatchObject({
      code: 1,
      stderr: "acp: agent test.plain declares no streaming mode: run it without --stream\n",
    });
  });

  it("refuses --input that is not JSON before calling the server", async () => {
    const r = await at(["run", "test.echo", "--input", "{nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^acp: --input: not valid JSON/);
  });

  it("runs on a thread, which acp threads and acp runs --thread then list", async () => {
    const threadId = "6f0c1f4e-2b7d-4c1e-9a55-1c2d3e4f5a6b";
    const r = await at(["run", "test.echo", "--thread", threadId, "--input", '{"text":"t1"}']);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject([{ reply: "echo: t1" }]);
    const threads = json((await at(["threads"])).stdout) as { thread_id: string }[];
    expect(threads.map((t) => t.thread_id)).toContain(threadId);
    const runs = json((await at(["runs", "--thread", threadId])).stdout) as { thread_id: string }[];
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((x) => x.thread_id === threadId)).toBe(true);
  });

  it("streams a run on a thread and resumes its interrupts there", async () => {
    const threadId = "0b7e4c2a-9d3f-4e1b-8c6a-5f4e3d2c1b0a";
    const r = await at([
      "run",
      "test.interrupt-twice",
      "--thread",
      threadId,
      "--stream",
      "--input",
      '{"topic":"bees"}',
      "--resume",
      '{"answer":"p"}',
      "--resume",
      '{"answer":"q"}',
    ]);
    expect(r.code).toBe(0);
    const events = json(r.stdout) as RunOutputStream[];
    expect(events.filter((e) => e.data.type === "interrupt")).toHaveLength(2);
    expect(events.at(-1)?.data).toMatchObject({
      status: "success",
      values: { answers: ["p", "q"] },
    });
    const runs = json((await at(["runs", "--thread", threadId])).stdout) as { status: string }[];
    expect(runs.map((x) => x.status)).toEqual(["success"]);
  });

  it("lists stateless runs of one agent", async () => {
    const r = await at(["runs", "--agent", "test.echo"]);
    expect(r.code).toBe(0);
    const runs = json(r.stdout) as { agent_id: string }[];
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((x) => x.agent_id === agentIds.echo)).toBe(true);
  });
});

describe("where the server is, and the api key", () => {
  it("needs a server URL, from --url or ACP_URL", async () => {
    const none = await acp(["agents"]);
    expect(none).toMatchObject({
      code: 1,
      stderr: "acp: no ACP server given: pass --url URL or set ACP_URL\n",
    });
    const env = await acp(["agents", "--name", "test.echo"], { env: { ACP_URL: server.url } });
    expect(env.code).toBe(0);
    expect(json(env.stdout)).toMatchObject([{ agent_id: agentIds.echo }]);
  });

  it("takes the server as --url or ACP_URL only: --host is unknown and ACP_HOST not read", async () => {
    const flag = await acp(["agents", "--name", "test.echo", "--host", server.url]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain("--host");
    const env = await acp(["agents", "--name", "test.echo"], { env: { ACP_HOST: server.url } });
    expect(env).toMatchObject({
      code: 1,
      stderr: "acp: no ACP server given: pass --url URL or set ACP_URL\n",
    });
  });

  it("reports an unreachable server in one line that names the cause", async () => {
    const closed = await startACPServer();
    await closed.close();
    const port = new URL(closed.url).port;
    const r = await acp(["agents", "--url", closed.url], { env: { ACP_API_KEY: API_KEY } });
    expect(r).toMatchObject({
      code: 1,
      stderr: `acp: search_agents: connection to ${closed.url}/agents/search failed: ECONNREFUSED 127.0.0.1:${port}\n`,
    });
  });

  it("sends ACP_API_KEY, and never prints it, even with --debug", async () => {
    const ok = await acp(["agents", "--url", keyed.url], { env: { ACP_API_KEY: API_KEY } });
    expect(ok.code).toBe(0);
    expect(json(ok.stdout).length).toBeGreaterThan(0);
    const wrong = `${API_KEY}-wrong`;
    const denied = await acp(["--debug", "agents", "--url", keyed.url], {
      env: { ACP_API_KEY: wrong },
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("acp: ");
    expect(denied.stderr).not.toContain(API_KEY);
    const debugOk = await acp(["--debug", "agents", "--url", keyed.url], {
      env: { ACP_API_KEY: API_KEY },
    });
    expect(debugOk.code).toBe(0);
    expect(debugOk.stdout + debugOk.stderr).not.toContain(API_KEY);
  });

  it("takes the key from --api-key as well, before ACP_API_KEY, and never prints it", async () => {
    const ok = await acp(["agents", "--url", keyed.url, "--api-key", API_KEY], {
      env: { ACP_API_KEY: "not-the-key" },
    });
    expect(ok.code).toBe(0);
    expect(json(ok.stdout).length).toBeGreaterThan(0);
    const wrong = `${API_KEY}-wrong`;
    for (const args of [["--api-key", wrong], [`--api-key=${wrong}`]]) {
      const denied = await acp(["--debug", "agents", "--url", keyed.url, ...args]);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/^acp: search_agents: \(401\)/m);
      expect(denied.stdout + denied.stderr).not.toContain(API_KEY);
    }
  });
});

describe("acp run on a terminal", () => {
  it("draws a progress line, prints custom updates and the final values", async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let shown = "";
    stdout.on("data", (c: Buffer) => {
      shown += c.toString("utf8");
    });
    const code = await runCli(
      ["run", "test.custom-streaming", "--stream", "--input", '{"count":2}', "--url", server.url],
      { stdout, stderr, stdin: new PassThrough(), env: {}, isTTY: true },
    );
    expect(code).toBe(0);
    expect(shown).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] run [\w-]+ · \w+ · \d+ updates?/);
    expect(shown).toContain('{"step":1}\n');
    expect(shown).toContain('{"step":2}\n');
    expect(shown.trimEnd().endsWith('"count": 2\n}')).toBe(true);
  });
});

describe("acp options", () => {
  it("prints its version", async () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8"));
    for (const flag of ["--version", "-V"]) {
      expect(await acp([flag])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
    }
  });

  it("marks the options a command cannot do without as required in its help", async () => {
    const run = await acp(["run", "--help"]);
    expect(run.stdout).toMatch(/--input <json> +the run's input, as JSON or @file \(required\)\n/);
    expect(run.stdout).not.toMatch(/--config.*\(required\)/);
    const generate = await acp(["generate-agent-models", "--help"]);
    expect(generate.stdout).toMatch(/--output-dir <dir> +.*\(required\)\n/);
  });

  it("refuses an empty agent or thread in its own words, before calling the server", async () => {
    const offline = ["--url", "http://127.0.0.1:9"];
    const cases = [
      [["descriptor", ""], "the agent must not be empty"],
      [["run", "", "--input", "{}"], "the agent must not be empty"],
      [["run", "test.echo", "--thread", " ", "--input", "{}"], "--thread must not be empty"],
      [["runs", "--thread", ""], "--thread must not be empty"],
      [["runs", "--agent", ""], "--agent must not be empty"],
    ] as const;
    for (const [args, message] of cases) {
      expect(await acp([...args, ...offline])).toMatchObject({
        code: 1,
        stderr: `acp: ${message}\n`,
      });
    }
  });

  it("refuses a whole-number option out of range in one line", async () => {
    const limit = await at(["threads", "--limit", "0"]);
    expect(limit).toMatchObject({
      code: 1,
      stderr: 'acp: --limit must be a whole number from 1 to 1000, got "0"\n',
    });
    const port = await acp(["serve", "agents.mjs", "--port", "70000"]);
    expect(port).toMatchObject({
      code: 1,
      stderr: 'acp: --port must be a whole number from 0 to 65535, got "70000"\n',
    });
  });
});

describe("acp run in a real terminal", () => {
  // `script` (util-linux) gives the command a pseudo-terminal, as a person's shell would.
  const hasScript = spawnSync("script", ["--version"]).status === 0;

  it.runIf(hasScript)(
    "draws its progress line and asks at the prompt for each resume value",
    async () => {
      const cli = requireBuiltCli();
      const command = [
        process.execPath,
        cli,
        "run",
        "test.interrupt-twice",
        "--stream",
        "--input",
        `'{"topic":"cats"}'`,
        "--url",
        server.url,
      ].join(" ");
      const child = spawn("script", ["-qec", command, "/dev/null"], {
        cwd: projectRoot,
        env: { ...process.env, NO_COLOR: "1" },
      });
      children.push(child);
      const answers: Array<{ question: string; answer: string }> = [
        { question: "first about cats?", answer: '{"answer":"one"}' },
        { question: "second?", answer: '{"answer":"two"}' },
      ];
      let screen = "";
      child.stdout.on("data", (c: Buffer) => {
        screen += c.toString("utf8");
        const next = answers[0];
        if (next && screen.includes(next.question) && screen.trimEnd().endsWith("(JSON):")) {
          answers.shift();
          child.stdin.write(`${next.answer}\n`);
        }
      });
      const code = await new Promise((done) => child.once("close", done));
      expect(code).toBe(0);
      expect(answers).toHaveLength(0);
      // The progress line is redrawn in place: carriage return, then "erase line".
      expect(screen).toContain("\r\u001b[2K");
      expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] run [\w-]+ · interrupted · \d+ updates/);
      expect(screen.match(/resume value \(JSON\):/g)).toHaveLength(2);
      expect(
        JSON.parse(screen.slice(screen.lastIndexOf('{\r\n  "topic"')).replaceAll("\r", "")),
      ).toEqual({ topic: "cats", answers: ["one", "two"] });
    },
  );
});

describe("acp serve", () => {
  function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      let seen = "";
      child.stdout?.on("data", (c: Buffer) => {
        seen += c.toString("utf8");
        const m = seen.match(pattern);
        if (m) resolve(m[0]);
      });
      child.once("close", (code) => reject(new Error(`acp serve ended (${code}) before: ${seen}`)));
    });
  }

  it("serves the graphs a module exports, until stopped", async () => {
    const modulePath = join(dir, "agents.mjs");
    writeFileSync(
      modulePath,
      `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ name: Annotation(), greeting: Annotation() });
const graph = new StateGraph(State)
  .addNode("greet", (s) => ({ greeting: "hello " + s.name }))
  .addEdge(START, "greet").addEdge("greet", END).compile();
export const agents = [{ graph, descriptor: {
  metadata: { ref: { name: "served.greeter", version: "1.0.0" }, description: "greets" },
  specs: { capabilities: {}, input: { type: "object" }, output: { type: "object" }, config: { type: "object" } },
} }];
`,
    );
    const child = startAcp(["serve", modulePath, "--port", "0", "--listen", "127.0.0.1"]);
    children.push(child);
    const url = (await waitForLine(child, /http:\/\/127\.0\.0\.1:\d+/)) as string;
    const r = await acp(["run", "served.greeter", "--input", '{"name":"Ada"}', "--url", url]);
    expect(json(r.stdout)).toMatchObject([{ greeting: "hello Ada" }]);
    const ended = new Promise<number | null>((resolve) => child.once("close", resolve));
    child.kill("SIGTERM");
    expect(await ended).toBe(0);
  });

  it("serves a TypeScript module as it is, naming each agent's id, behind --api-key", async () => {
    const child = startAcp(
      ["serve", "examples/echo/agents.ts", "--port", "0", "--listen", "127.0.0.1"],
      { env: { ACP_API_KEY: API_KEY } },
    );
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    const shown = await waitForLine(
      child,
      /serving on \S+ \(x-api-key required\)\n {2}org\.example\.echo@1\.0\.0 {2}agent id \S+\n/,
    );
    const [, url = "", listedId] = shown.match(/serving on (\S+) .*\n.* agent id (\S+)/) ?? [];
    const client = new ACPClient({
      configuration: new ApiClientConfiguration({ host: url, apiKey: { "x-api-key": API_KEY } }),
    });
    const [agent] = await client.searchAgents({ name: "org.example.echo" });
    await client.close();
    expect(listedId).toBe(agent?.agent_id);
    const input = '{"messages":[{"type":"human","content":"hi"}]}';
    const denied = await acp(["run", "org.example.echo", "--input", input, "--url", url]);
    expect(denied.stderr).toMatch(/\(401\)/);
    const r = await acp(["run", "org.example.echo", "--input", input, "--url", url], {
      env: { ACP_API_KEY: API_KEY },
    });
    expect(json(r.stdout)).toMatchObject([
      { messages: [{ content: "hi" }, { content: "Echo: hi" }] },
    ]);
    const ended = new Promise<number | null>((resolve) => child.once("close", resolve));
    child.kill("SIGTERM");
    expect(await ended).toBe(0);
    expect(stderr).toBe("");
  });

  it("refuses --host for acp serve: the address to listen on is --listen", async () => {
    const r = await acp(["serve", "examples/echo/agents.ts", "--port", "0", "--host", "127.0.0.1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--host");
  });

  it("wraps interrupts by type in wait answers with --interrupt-payload-shape reference", async () => {
    const modulePath = join(dir, "asking.mjs");
    writeFileSync(
      modulePath,
      `import { Annotation, END, START, StateGraph, interrupt } from "@langchain/langgraph";
const State = Annotation.Root({ ok: Annotation() });
const graph = new StateGraph(State)
  .addNode("ask", () => ({ ok: interrupt({ question: "ok?" }).ok }))
  .addEdge(START, "ask").addEdge("ask", END).compile();
export const agents = [{ graph, descriptor: {
  metadata: { ref: { name: "served.asker", version: "1.0.0" }, description: "asks" },
  specs: { capabilities: { interrupts: true }, input: { type: "object" }, output: { type: "object" },
    config: { type: "object" }, interrupts: [{ interrupt_type: "approval",
      interrupt_payload: { type: "object", required: ["question"] }, resume_payload: { type: "object" } }] },
} }];
`,
    );
    const child = startAcp([
      "serve",
      modulePath,
      "--port",
      "0",
      "--interrupt-payload-shape",
      "reference",
    ]);
    children.push(child);
    const url = (await waitForLine(child, /http:\/\/127\.0\.0\.1:\d+/)) as string;
    const client = new ACPClient({ configuration: new ApiClientConfiguration({ host: url }) });
    const waited = await client.createAndWaitForStatelessRunOutput({ input: {} });
    await client.close();
    expect(waited.output).toEqual({
      type: "interrupt",
      interrupt: { approval: { question: "ok?" } },
      interrupts: [{ id: expect.any(String), value: { question: "ok?" } }],
    });
    const ended = new Promise<number | null>((resolve) => child.once("close", resolve));
    child.kill("SIGTERM");
    expect(await ended).toBe(0);
  });

  it("lets runs ask for LangGraph's updates with --stream-langgraph", async () => {
    const modulePath = join(dir, "updating.mjs");
    writeFileSync(
      modulePath,
      `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ n: Annotation() });
const graph = new StateGraph(State)
  .addNode("bump", (s) => ({ n: s.n + 1 }))
  .addEdge(START, "bump").addEdge("bump", END).compile();
export const agents = [{ graph, descriptor: {
  metadata: { ref: { name: "served.bumper", version: "1.0.0" }, description: "bumps" },
  specs: { capabilities: { streaming: { values: true } }, input: { type: "object" },
    output: { type: "object" }, config: { type: "object" } },
} }];
`,
    );
    const child = startAcp(["serve", modulePath, "--port", "0", "--stream-langgraph"]);
    children.push(child);
    const url = (await waitForLine(child, /http:\/\/127\.0\.0\.1:\d+/)) as string;
    const client = new ACPClient({ configuration: new ApiClientConfiguration({ host: url }) });
    const [agent] = await client.searchAgents({ name: "served.bumper" });
    const descriptor = await client.getAcpDescriptorById(agent?.agent_id as string);
    expect(descriptor.specs.capabilities.streaming).toEqual({ values: true, custom: true });
    const updates: unknown[] = [];
    for await (const event of client.createAndStreamStatelessRunOutput({
      input: { n: 1 },
      config: { configurable: { langgraph_stream_mode: ["updates"] } },
    })) {
      if (event.data.type === "custom") updates.push(event.data.update);
    }
    await client.close();
    expect(updates).toEqual([{ langgraph: "updates", namespace: [], data: { bump: { n: 2 } } }]);
    const ended = new Promise<number | null>((resolve) => child.once("close", resolve));
    child.kill("SIGTERM");
    expect(await ended).toBe(0);
  });

  it("keeps runs, threads and graph state across a restart with --sqlite", async () => {
    const modulePath = join(dir, "keeper.mjs");
    writeFileSync(
      modulePath,
      `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ name: Annotation(), seen: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }) });
const graph = new StateGraph(State)
  .addNode("note", (s) => ({ seen: [s.name] }))
  .addEdge(START, "note").addEdge("note", END).compile();
export const agents = [{ graph, descriptor: {
  metadata: { ref: { name: "served.keeper", version: "1.0.0" }, description: "keeps names" },
  specs: { capabilities: { threads: true }, input: { type: "object" }, output: { type: "object" },
    config: { type: "object" }, thread_state: { type: "object" } },
} }];
`,
    );
    const file = join(dir, "keeper.sqlite");
    const serve = async () => {
      const child = startAcp(["serve", modulePath, "--port", "0", "--sqlite", file]);
      children.push(child);
      const shown = await waitForLine(child, /serving on (\S+)\n[\s\S]*graph state in .*\n/);
      const url = shown.match(/serving on (\S+)/)?.[1] as string;
      const client = new ACPClient({ configuration: new ApiClientConfiguration({ host: url }) });
      const stop = async () => {
        await client.close();
        const ended = new Promise<number | null>((resolve) => child.once("close", resolve));
        child.kill("SIGTERM");
        expect(await ended).toBe(0);
      };
      return { client, stop };
    };

    const first = await serve();
    const thread = await first.client.createThread({});
    const run = await first.client.createAndWaitForThreadRunOutput(thread.thread_id, {
      input: { name: "Ada" },
    });
    expect(run.output).toMatchObject({ values: { seen: ["Ada"] } });
    await first.stop();

    const second = await serve();
    const runs = await second.client.listThreadRuns(thread.thread_id);
    expect(runs.map((r) => [r.run_id, r.status])).toEqual([[run.run?.run_id, "success"]]);
    // The graph's state is there too: the next run on the thread builds on it.
    const next = await second.client.createAndWaitForThreadRunOutput(thread.thread_id, {
      input: { name: "Grace" },
    });
    expect(next.output).toMatchObject({ values: { seen: ["Ada", "Grace"] } });
    await second.stop();
  });

  it("refuses --sqlite with --postgres", async () => {
    const r = await acp([
      "serve",
      "examples/echo/agents.ts",
      "--sqlite",
      join(dir, "x.sqlite"),
      "--postgres",
      "postgres://127.0.0.1:1/none",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("acp: --sqlite and --postgres each name the server's store: give one\n");
  });

  it("says what a module must export", async () => {
    const modulePath = join(dir, "empty.mjs");
    writeFileSync(modulePath, "export const nothing = 1;\n");
    const r = await acp(["serve", modulePath, "--port", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `acp: ${modulePath} exports no agents: export const agents = [{ graph, descriptor }] or a default export\n`,
    );
  });
});
