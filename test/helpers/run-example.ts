/**
 * Runs an example as a person would, in a child process from the project root, offline:
 * no OpenAI key and no API bridge from the environment, unless a test sets them.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

/** What an example printed and how it ended. */
export interface ExampleRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The variables that would make an example leave the machine; removed from the child's env. */
const ONLINE_VARIABLES = [
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "OPENAI_MODEL",
  "SENDGRID_HOST",
  "SENDGRID_API_KEY",
];

/** Runs `examples/<file>` with `args`, feeding `stdin` when given. */
export function runExample(
  file: string,
  args: string[] = [],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<ExampleRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ONLINE_VARIABLES) delete env[name];
  Object.assign(env, options.env);
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", `examples/${file}`, ...args],
      { cwd: root, env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.stdin ?? "");
  });
}

/** The text of a `=== title ===` section of the demo's output. */
export function section(stdout: string, title: string): string {
  const start = stdout.indexOf(`=== ${title}`);
  if (start < 0) return "";
  const rest = stdout.slice(stdout.indexOf("\n", start) + 1);
  const end = rest.indexOf("\n===");
  return end < 0 ? rest : rest.slice(0, end);
}
