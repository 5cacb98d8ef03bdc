/** Runs a Prism mock server of the ACP specification for conformance tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

/** A running Prism mock. */
export interface PrismMock {
  url: string;
  /** What Prism wrote, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

/**
 * Starts `prism mock --dynamic --errors` on `specPath` and waits until it answers.
 * Dynamic (seeded) mode, because Prism's static examples of `allOf` schemas lack
 * required properties and so fail its own response validation.
 */
export async function startPrismMock(specPath: string): Promise<PrismMock> {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve("@stoplight/prism-cli/package.json")), "dist/index.js");
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      cli,
      "mock",
      "--dynamic",
      "--seed",
      "1",
      "--errors",
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      specPath,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill();
    });
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`prism exited: ${output}`);
    const ok = await fetch(`${url}/agents/search`, { method: "POST" }).then(
      () => true,
      () => false,
    );
    if (ok) return { url, output: () => output, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`prism did not start: ${output}`);
}
