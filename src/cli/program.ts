/** The `acp` command line: every command, wired to one context. */
import { Command, Help, type Option } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { ACP_VERSION } from "../version.js";
import { registerA2A } from "./commands/a2a.js";
import { registerAgents } from "./commands/agents.js";
import { registerGenerate } from "./commands/generate.js";
import { registerLists } from "./commands/lists.js";
import { registerRun } from "./commands/run.js";
import { registerServe } from "./commands/serve.js";
import { registerValidate } from "./commands/validate.js";
import { apiKeyOption } from "./connect.js";
import type { CliContext } from "./context.js";

const serverCommands = new Set(["agents", "descriptor", "run", "threads", "runs"]);

/** Builds the `acp` program; commands write through `ctx.io` and leave their exit code in `ctx`. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command("acp")
    .description(
      `Agent Connect Protocol (ACP ${ACP_VERSION}) tools: descriptors, manifests and any ACP server`,
    )
    .version(packageJson.version, "-V, --version", "print the version of acp")
    .option("--debug", "show stack traces and the client's request log")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    })
    .configureHelp({
      // Commander enforces required options but does not say so in --help.
      optionDescription(this: Help, option: Option): string {
        const described = Help.prototype.optionDescription.call(this, option);
        return option.mandatory ? `${described} (required)` : described;
      },
    });
  registerValidate(program, ctx);
  registerGenerate(program, ctx);
  registerAgents(program, ctx);
  registerRun(program, ctx);
  registerLists(program, ctx);
  registerServe(program, ctx);
  registerA2A(program, ctx);
  for (const cmd of program.commands) {
    if (!serverCommands.has(cmd.name())) continue;
    cmd
      .option("--url <url>", "the ACP server's base URL (default: ACP_URL)")
      .addOption(apiKeyOption("the key sent in x-api-key"));
  }
  return program;
}
