/**
 * Where the values that resume interrupted runs come from: the `--resume`
 * options in order, then the person at the terminal (or whatever is piped to
 * stdin), one line each.
 */
import { createInterface, type Interface } from "node:readline";
import { CliError } from "./cli-error.js";
import type { CliIo } from "./io.js";

/** Hands out one resume value per interrupt. */
export class ResumeValues {
  readonly #given: unknown[];
  readonly #io: CliIo;
  #lines: AsyncIterator<string> | undefined;
  #rl: Interface | undefined;

  constructor(given: readonly unknown[], io: CliIo) {
    this.#given = [...given];
    this.#io = io;
  }

  /**
   * The value for the interrupt of run `runId` whose payload is `payload`. A line
   * that is not JSON is refused, and the question asked again: sending it as a
   * string would guess at what the person meant. `waiting` says what waits, in place
   * of "run <id> is interrupted" (an A2A task asks for input instead).
   */
  async next(payload: unknown, runId: string | undefined, waiting?: string): Promise<unknown> {
    const run = waiting ?? `${runId ? `run ${runId}` : "the run"} is interrupted`;
    if (this.#given.length > 0) return this.#given.shift();
    this.#io.stderr.write(`${run}:\n${JSON.stringify(payload, null, 2)}\n`);
    for (;;) {
      this.#io.stderr.write("resume value (JSON): ");
      const line = await this.#readLine();
      if (line === undefined) {
        throw new CliError(`${run} and no resume value was given: pass --resume JSON`);
      }
      try {
        return JSON.parse(line);
      } catch {
        this.#io.stderr.write(
          `not JSON: ${JSON.stringify(line.slice(0, 80))}; a string needs quotes, e.g. "yes"\n`,
        );
      }
    }
  }

  /** The next line of stdin, or `undefined` at its end. */
  async #readLine(): Promise<string | undefined> {
    if (!this.#lines) {
      this.#rl = createInterface({ input: this.#io.stdin, terminal: false });
      this.#lines = this.#rl[Symbol.asyncIterator]();
    }
    const line = await this.#lines.next();
    // A terminal echoes the person's Enter; a pipe does not.
    if (!(this.#io.stdin as { isTTY?: boolean }).isTTY) this.#io.stderr.write("\n");
    return line.done ? undefined : line.value;
  }

  /** Lets go of stdin. */
  close(): void {
    this.#rl?.close();
  }
}
