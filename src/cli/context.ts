/** What every command gets: where to write, and where to leave its exit code. */
import type { CliIo } from "./io.js";

/** The shared state of one `acp` invocation. */
export interface CliContext {
  io: CliIo;
  /** The exit code the command ends with when it does not throw. */
  exitCode: number;
}
