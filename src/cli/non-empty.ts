import { CliError } from "./cli-error.js";

/**
 * A parser for an option or argument that names something (an agent, a thread):
 * an empty value is refused in the command line's words, before the client would
 * refuse it in its own.
 */
export const nonEmpty =
  (name: string) =>
  (value: string): string => {
    if (value.trim() === "") throw new CliError(`${name} must not be empty`);
    return value;
  };
