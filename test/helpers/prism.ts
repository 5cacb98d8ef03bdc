/** Runs Prism (a mock server, or a validating proxy) of the ACP specification for conformance tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { vi } from "vitest";

/** A running Prism process. */
export interface PrismProcess {
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

/** Starts `prism <args> -h 127.0.0.1 -p <free port> <specPath> [...rest]` and waits until it answers. */
async function startPrism(args: string[], specPath: string, rest: string[]): Promise<PrismProcess> {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve("@stoplight/prism-cli/package.json")), "dist/index.js");
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, ...args, "-h", "127.0.0.1", "-p", String(port), specPath, ...rest],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const collect = (c: Buffer) => {
    output += c.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill();
    });
  const answers = () =>
    fetch(`${url}/agents/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    }).then(
      () => true,
      () => {
        if (child.exitCode !== null) throw new Error(`prism exited: ${output}`);
        return false;
      },
    );
  try {
    await vi.waitUntil(answers, { timeout: 30_000, interval: 100 });
  } catch {
    const exited = child.exitCode !== null;
    await stop();
    throw new Error(`prism ${exited ? "exited" : "did not start"}: ${output}`);
  }
  return { url, output: () => output, stop };
}

/**
 * Starts `prism mock --dynamic --errors` on `specPath`. Dynamic (seeded) mode,
 * because Prism's static examples of `allOf` schemas lack required properties and
 * so fail its own response validation.
 */
export function startPrismMock(specPath: string): Promise<PrismProcess> {
  return startPrism(["mock", "--dynamic", "--seed", "1", "--errors"], specPath, []);
}

/**
 * Starts `prism proxy --errors` on `specPath` in front of `upstream`: it answers a
 * violation (application/problem+json) when a request or a response does not match.
 */
export function startPrismProxy(specPath: string, upstream: string): Promise<PrismProcess> {
  return startPrism(["proxy", "--errors"], specPath, [upstream]);
}
