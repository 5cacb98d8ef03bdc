/**
 * The README and the pages of `docs/` as the tests read them: their fenced code
 * blocks, a scratch copy of the project to run their commands in, and the example
 * servers their `acp serve` lines start.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";

/** The project root. */
export const root = resolve(import.meta.dirname, "../..");

/**
 * The documentation pages, as paths from the project root: README.md, then every
 * Markdown file under `docs/` (the generated API reference in `docs/api/` aside).
 */
export function docPages(): string[] {
  const pages: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (relative(root, path) !== join("docs", "api")) walk(path);
      } else if (entry.name.endsWith(".md")) {
        pages.push(relative(root, path));
      }
    }
  };
  walk(join(root, "docs"));
  return ["README.md", ...pages.sort()];
}

/** One fenced code block of a page. */
export interface CodeBlock {
  /** The page, as a path from the project root. */
  page: string;
  /** The language after the opening fence (`ts`, `bash`, ...). */
  lang: string;
  code: string;
  /** The page line of the block's first line of code, for messages. */
  line: number;
}

/** Where a block is, as `page:line`. */
export const whereIs = (block: CodeBlock): string => `${block.page}:${block.line}`;

/** Every fenced code block of one page, in order. */
export function pageBlocks(page: string): CodeBlock[] {
  const lines = readFileSync(join(root, page), "utf8").split("\n");
  const blocks: CodeBlock[] = [];
  let open: CodeBlock | undefined;
  lines.forEach((text, index) => {
    const fence = text.match(/^```(\w*)\s*$/);
    if (!open && fence) {
      open = { page, lang: fence[1] ?? "", code: "", line: index + 2 };
    } else if (open && text.startsWith("```")) {
      blocks.push(open);
      open = undefined;
    } else if (open) {
      open.code += `${text}\n`;
    }
  });
  return blocks;
}

/** Every fenced code block of every page, page by page. */
export function docBlocks(): CodeBlock[] {
  return docPages().flatMap(pageBlocks);
}

/** How the pages run the command line from a clone. */
export const acpCommand = "npm run acp -- ";

/** The `acp` commands of a shell block, each without its trailing comment. */
export function acpCommands(block: CodeBlock): string[] {
  return block.code
    .split("\n")
    .filter((l) => l.startsWith(acpCommand))
    .map((l) => l.replace(/\s+#\s.*$/, "").trim());
}

/** The address the pages' examples use, and the free port the tests use instead. */
export function onFreePort(text: string, url?: string): string {
  const out = text.replaceAll("--port 8000", "--port 0").replaceAll("port: 8000", "port: 0");
  return url ? out.replaceAll("http://127.0.0.1:8000", url) : out;
}

/**
 * A scratch copy of the project (sources, examples, settings; `node_modules`
 * linked), so that what the pages' commands write lands there.
 */
export function projectCopy(prefix: string): { dir: string; remove(): void } {
  mkdirSync(join(root, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(root, ".tmp", prefix));
  for (const entry of ["package.json", "tsconfig.json", "src", "spec", "examples"]) {
    cpSync(join(root, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The environment of a command: the machine's own, without any ACP_* variable. */
export function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: "1" };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("ACP_")) env[k] = v;
  return env;
}

/** What a shell command did. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file args...` in `cwd` to its end, stdin closed. */
export function runProcess(file: string, args: string[], cwd: string): Promise<CommandResult> {
  const child = spawn(file, args, { cwd, env: commandEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("close", (code) => done({ code, stdout, stderr }));
  });
}

/** Runs `command` with `sh` in `cwd`, to its end. */
export const runCommand = (command: string, cwd: string): Promise<CommandResult> =>
  runProcess("sh", ["-c", command], cwd);

/** An example module served by an `acp serve` line of a page. */
export interface ServedExample {
  url: string;
  /** The names of the agents it serves, as `acp serve` listed them. */
  agents: string[];
  close(): Promise<void>;
}

/** Stops a command started in a process group of its own (npm, then node under it). */
function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const closed = new Promise<void>((done) => child.once("close", () => done()));
  const pid = child.pid as number;
  process.kill(-pid, "SIGTERM");
  const timer = setTimeout(() => process.kill(-pid, "SIGKILL"), 10_000);
  return closed.finally(() => clearTimeout(timer));
}

/** Starts an `acp serve` command of a page (on a free port) and waits until it serves. */
export function serveExample(command: string, cwd: string): Promise<ServedExample> {
  const child = spawn("sh", ["-c", `exec ${onFreePort(command)}`], {
    cwd,
    env: commandEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let shown = "";
  return new Promise((done, fail) => {
    const onData = (c: Buffer) => {
      shown += c.toString("utf8");
      const served = shown.match(/serving on (\S+).*\n((?: {2}\S+@\S+ {2}agent id \S+\n)+)/);
      if (!served) return;
      child.stdout?.off("data", onData);
      const agents = [...(served[2] ?? "").matchAll(/^ {2}(\S+)@/gm)].map((m) => m[1] as string);
      done({ url: served[1] as string, agents, close: () => stopGroup(child) });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (c: Buffer) => {
      shown += c.toString("utf8");
    });
    child.once("close", (code) => fail(new Error(`${command} ended (${code}): ${shown}`)));
  });
}
