import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, "../helpers/children/server-heap.ts");

const MiB = 1024 * 1024;

describe("the heap of a server on the memory store", () => {
  it("stays under the store's byte budget over 200 runs of 5 MB inputs", async () => {
    const maxBytes = 48 * MiB;
    const { stdout } = await run(
      process.execPath,
      ["--expose-gc", "--import", "tsx", child, String(maxBytes), "200", String(5 * MiB)],
      { cwd: join(here, "../.."), timeout: 240_000, maxBuffer: MiB },
    );
    const { before, after, succeeded, kept } = JSON.parse(stdout) as {
      before: number;
      after: number;
      succeeded: number;
      kept: number;
    };
    expect(succeeded).toBe(200);
    // Each run keeps its 5 MB input: the budget holds a few of them.
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(10);
    // What the store keeps, plus room for the buffers of the last request in flight.
    expect(after - before).toBeLessThan(maxBytes + 16 * MiB);
  }, 300_000);
});
