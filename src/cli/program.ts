/** The `acp` command line: every command, wired to one context. */
import { Command } from "commander";
import { ACP_VERSION } from "../version.js";
import { registerAgents } from "./commands/agents.js";
import { registerGenerate } from "./commands/generate.js";
import { registerLists } from "./commands/lists.js";
import { registerRun } from "./commands/run.js";
import { registerServe } from "./commands/serve.js";
import { registerValidate } from "./commands/validate.js";
import type { CliContext } from "./context.js";

const serverCommands = new Set(["agents", "descriptor", "run", "threads", "runs"]);

/** Builds the `acp` program; commands write through `ctx.io` and leave their exit code in `ctx`. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command("acp")
    .description(
      `Agent Connect Protocol (ACP ${ACP_VERSION}) tools: descriptors, manifests and any ACP server`,
    )
    .option("--debug", "show stack traces and the client's request log")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    });
  registerValidate(program, ctx);
  registerGenerate(program, ctx);
  registerAgents(program, ctx);
  registerRun(program, ctx);
  registerLists(program, ctx);
  registerServe(program, ctx);
  for (const cmd of program.commands) {
    if (serverCommands.has(cmd.name())) {
      cmd.option(
        "--host <url>",
        "the ACP server's base URL (default: ACP_HOST); the key is read from ACP_API_KEY",
      );
    }
  }
  return program;
}
