/** Runs the built `acp` command as a child process, as a person or a script would. */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { inject } from "vitest";

/** The project root; CLI tests run there. */
export const projectRoot = resolve(import.meta.dirname, "../..");

/** The built command, or a failure with the build's message when there is none. */
export function requireBuiltCli(): string {
  const error = inject("cliBuildError");
  if (error) throw new Error(error);
  const cli = inject("cliPath");
  if (!cli) throw new Error("the acp command was not built: see test/setup/build.ts");
  return cli;
}

/** What one run of `acp` did. */
export interface AcpResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How to run `acp`: extra environment (ACP_* is cleared first) and what to write to stdin. */
export interface AcpRunOptions {
  env?: Record<string, string>;
  stdin?: string;
}

/** The environment without any ACP_* variable of the machine running the tests. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("ACP_")) env[k] = v;
  return { ...env, ...extra, NO_COLOR: "1" };
}

/** Starts `acp args...` and leaves it running. */
export function startAcp(args: readonly string[], options: AcpRunOptions = {}): ChildProcess {
  return spawn(process.execPath, [requireBuiltCli(), ...args], {
    cwd: projectRoot,
    env: cleanEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs `acp args...` to its end. stdin is closed after `options.stdin` (or at once). */
export function acp(args: readonly string[], options: AcpRunOptions = {}): Promise<AcpResult> {
  const child = startAcp(args, options);
  const result = finished(child);
  child.stdin?.end(options.stdin ?? "");
  return result;
}

/** What a started `acp` prints until it ends, and its exit code. */
export function finished(child: ChildProcess): Promise<AcpResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("close", (code) => done({ code, stdout, stderr }));
  });
}

/** The non-empty lines of some output. */
export const lines = (text: string): string[] => text.split("\n").filter((l) => l !== "");
