/**
 * Errors of the command line and how any error becomes one readable line:
 * no stack trace unless `--debug`, and never the API key.
 */
import { ACPDescriptorValidationException } from "../core/errors.js";
import { messageOf } from "../core/message-of.js";

/** A failure to report to the person as it is, with the exit code to end with. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * The lines that report `error`: one line, or for an invalid descriptor a line
 * per problem; with `debug`, the stack too.
 */
export function describeError(error: unknown, debug: boolean): string[] {
  if (error instanceof ACPDescriptorValidationException) {
    const lines = error.message.split("\n");
    return debug && error.stack ? [...lines, error.stack] : lines;
  }
  const message = messageOf(error);
  const first = message.split("\n")[0] ?? "";
  if (debug && error instanceof Error && error.stack) return [first, error.stack];
  return [first];
}
