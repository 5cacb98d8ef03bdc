/**
 * The README's `acp` commands and its client snippets run as printed, against the
 * example modules that the README's own `acp serve` lines serve. One thing is
 * changed: the README's port 8000 becomes a free port, and its URL the served one.
 * Commands run in a scratch copy of the project, so what they write lands there.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acpCommands,
  onFreePort,
  projectCopy,
  readmeBlocks,
  runCommand,
  runProcess,
  type ServedExample,
  serveExample,
} from "../helpers/readme.js";

const blocks = readmeBlocks();
const shellBlocks = blocks.filter((b) => b.lang === "bash" && acpCommands(b).length > 0);
const isServe = (command: string) => /^npm run acp -- serve /.test(command);

let copy: ReturnType<typeof projectCopy>;
const served: ServedExample[] = [];

beforeAll(() => {
  copy = projectCopy("readme-run-");
});

afterAll(async () => {
  await Promise.all(served.map((s) => s.close()));
  copy?.remove();
});

describe("the README's acp commands", () => {
  it("serve example modules before calling them", () => {
    const commands = shellBlocks.flatMap(acpCommands);
    expect(commands.filter(isServe).length).toBeGreaterThanOrEqual(2);
    expect(commands.length).toBeGreaterThanOrEqual(8);
  });

  for (const block of shellBlocks) {
    it(`README.md:${block.line}: every command succeeds`, async () => {
      let server: ServedExample | undefined;
      for (const command of acpCommands(block)) {
        if (isServe(command)) {
          server = await serveExample(command, copy.dir);
          served.push(server);
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

describe("the README's client snippets", () => {
  const clientBlocks = blocks.filter(
    (b) => b.lang === "ts" && b.code.includes("http://127.0.0.1:8000"),
  );

  it("run against the served examples whose agents they name", async () => {
    const ran: number[] = [];
    for (const block of clientBlocks) {
      const server = served.find((s) => s.agents.some((name) => block.code.includes(`"${name}"`)));
      if (!server) continue;
      const file = join(copy.dir, `readme-line-${block.line}.ts`);
      writeFileSync(file, onFreePort(block.code, server.url));
      // As the examples run: Node with tsx, from the project.
      const r = await runProcess(process.execPath, ["--import", "tsx", file], copy.dir);
      expect({ line: block.line, code: r.code, stderr: r.stderr }).toEqual({
        line: block.line,
        code: 0,
        stderr: "",
      });
      ran.push(block.line);
    }
    expect(ran.length).toBeGreaterThanOrEqual(3);
  }, 180_000);
});
