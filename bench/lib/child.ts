/** Starting a TypeScript script as a child process and reading its first JSON line. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** A child process and the JSON object it printed first. */
export interface Child<T> {
  process: ChildProcess;
  ready: T;
  stop(): Promise<void>;
}

/** Runs `script` (relative to bench/) under tsx with `args`; resolves once it prints a JSON line. */
export async function startChild<T>(
  script: string,
  args: string[] = [],
  nodeArgs: string[] = [],
): Promise<Child<T>> {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", path, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = await new Promise<T>((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const line = text.indexOf("\n");
      if (line >= 0) resolve(JSON.parse(text.slice(0, line)) as T);
    });
    child.once("exit", (code) =>
      reject(new Error(`${script} exited with ${code} before it was ready`)),
    );
  });
  return {
    process: child,
    ready,
    stop: () =>
      new Promise<void>((resolve) => {
        // A child stopped by a signal has no exit code, only a signal code.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
