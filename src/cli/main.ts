/** Runs `acp` once: parses, dispatches, and turns any failure into a line and an exit code. */
import { CommanderError } from "commander";
import { SecretRedactor } from "../core/redact.js";
import { CliError, describeError } from "./cli-error.js";
import { secretsOf } from "./connect.js";
import type { CliContext } from "./context.js";
import type { CliIo } from "./io.js";
import { buildProgram } from "./program.js";

/** Runs the command line `argv` (user arguments only) and resolves to its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx: CliContext = { io, exitCode: 0 };
  const program = buildProgram(ctx);
  const debug = argv.includes("--debug");
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const redactor = new SecretRedactor(secretsOf(argv, io));
    const lines = describeError(error, debug).map((l) => redactor.redact(l));
    const [first, ...rest] = lines;
    io.stderr.write(`acp: ${first}\n${rest.map((l) => `${l}\n`).join("")}`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
