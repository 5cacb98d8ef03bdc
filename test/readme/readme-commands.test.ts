/**
 * The `acp` commands and the TypeScript snippets of the README and of `docs/` run as
 * printed: the commands against the example modules that the pages' own `acp serve`
 * lines serve, the client snippets against the served example whose agent they
 * name, and the snippets that need nothing else on their own. One thing is
 * changed: port 8000 becomes a free port, and its URL the served one. Everything
 * runs in a scratch copy of the project, so what it writes lands there.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acpCommands,
  type CodeBlock,
  docBlocks,
  onFreePort,
  projectCopy,
  runCommand,
  runProcess,
  type ServedExample,
  serveExample,
  whereIs,
} from "../helpers/readme.js";

const blocks = docBlocks();
const shellBlocks = blocks.filter((b) => b.lang === "bash" && acpCommands(b).length > 0);
const isServe = (command: string) => /^npm run acp -- serve /.test(command);
const exampleUrl = "http://127.0.0.1:8000";

let copy: ReturnType<typeof projectCopy>;
/** The servers started, by the `acp serve` command that started them: a repeated line reuses its server. */
const served = new Map<string, ServedExample>();

beforeAll(() => {
  copy = projectCopy("readme-run-");
});

afterAll(async () => {
  await Promise.all([...served.values()].map((s) => s.close()));
  copy?.remove();
});

async function serve(command: string): Promise<ServedExample> {
  const running = served.get(command) ?? (await serveExample(command, copy.dir));
  served.set(command, running);
  return running;
}

describe("the pages' acp commands", () => {
  it("serve example modules before calling them", () => {
    const commands = shellBlocks.flatMap(acpCommands);
    expect(new Set(commands.filter(isServe)).size).toBeGreaterThanOrEqual(2);
    expect(commands.length).toBeGreaterThanOrEqual(8);
  });

  for (const block of shellBlocks) {
    it(`${whereIs(block)}: every command succeeds`, async () => {
      let server: ServedExample | undefined;
      for (const command of acpCommands(block)) {
        if (isServe(command)) {
          server = await serve(command);
          continue;
        }
        const r = await runCommand(onFreePort(command, server?.url), copy.dir);
        expect({ command, code: r.code, stderr: r.stderr }).toEqual({
          command,
          code: 0,
          stderr: "",
        });
      }
    }, 180_000);
  }
});

/** A snippet that needs neither a server nor a file beside it, nor declares what it lacks. */
const standsAlone = (block: CodeBlock) =>
  !block.code.includes(exampleUrl) &&
  !/^declare /m.test(block.code) &&
  !/from "\.\.?\//.test(block.code);

describe("the pages' TypeScript snippets", () => {
  const tsBlocks = blocks.filter((b) => b.lang === "ts");

  it("run against the served examples whose agents they name, or on their own", async () => {
    const ran: CodeBlock[] = [];
    for (const block of tsBlocks) {
      const servers = [...served.values()];
      const server = block.code.includes(exampleUrl)
        ? servers.find((s) => s.agents.some((name) => block.code.includes(`"${name}"`)))
        : undefined;
      if (!server && !standsAlone(block)) continue;
      const file = join(copy.dir, `${block.page.replaceAll("/", "-")}-line-${block.line}.ts`);
      writeFileSync(file, onFreePort(block.code, server?.url));
      // As the examples run: Node with tsx, from the project.
      const r = await runProcess(process.execPath, ["--import", "tsx", file], copy.dir);
      expect({ at: whereIs(block), code: r.code, stderr: r.stderr }).toEqual({
        at: whereIs(block),
        code: 0,
        stderr: "",
      });
      ran.push(block);
    }
    const against = ran.filter((b) => b.code.includes(exampleUrl));
    expect(against.map((b) => b.page)).toContain("README.md");
    expect(against.length).toBeGreaterThanOrEqual(3);
    expect(ran.length).toBeGreaterThan(against.length);
  }, 300_000);
});
