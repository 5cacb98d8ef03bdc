/**
 * How every example starts and ends: what it starts is stopped in reverse order, and a
 * failure becomes one readable line on stderr and exit code 1.
 */

/** Things to stop when the example ends, newest first. */
export class Cleanup {
  readonly #steps: Array<() => Promise<void> | void> = [];

  /** Registers `step` to run at the end. */
  add(step: () => Promise<void> | void): void {
    this.#steps.push(step);
  }

  /** Runs every step, newest first; one failing step does not stop the others. */
  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`while stopping: ${oneLine(error)}`);
      }
    }
  }
}

function oneLine(error: unknown): string {
  // A plain Error or TypeError says enough with its message; other classes name the kind.
  const plain = error instanceof Error && ["Error", "TypeError"].includes(error.name);
  const text =
    error instanceof Error
      ? plain
        ? error.message
        : `${error.name}: ${error.message}`
      : String(error);
  return text.split("\n")[0] ?? text;
}

/** Runs `main`, stops what it started, and sets the exit code. */
export async function runExample(main: (cleanup: Cleanup) => Promise<void>): Promise<void> {
  const cleanup = new Cleanup();
  let failed = false;
  try {
    await main(cleanup);
  } catch (error) {
    failed = true;
    console.error(`error: ${oneLine(error)}`);
  } finally {
    await cleanup.run();
  }
  process.exitCode = failed ? 1 : 0;
  // Everything was stopped above; should a library keep a socket open anyway, the
  // example still ends instead of hanging.
  setTimeout(() => process.exit(), 2000).unref();
}
