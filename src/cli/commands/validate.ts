/** `acp validate-acp-descriptor` and `acp validate-acp-manifest`. */
import type { Command } from "commander";
import type { DescriptorProblem } from "../../core/errors.js";
import { validateAgentDescriptorFile, validateAgentManifestFile } from "../../manifest/index.js";
import type { CliContext } from "../context.js";
import { say } from "../io.js";

function report(
  ctx: CliContext,
  filePath: string,
  what: string,
  result: { valid: boolean; problems: readonly DescriptorProblem[] },
): void {
  if (result.valid) {
    say(ctx.io, `${filePath}: valid ${what}`);
    return;
  }
  const n = result.problems.length;
  say(ctx.io, `${filePath}: invalid ${what}, ${n} problem${n === 1 ? "" : "s"}:`);
  for (const p of result.problems) say(ctx.io, `  ${p.path || "(root)"}: ${p.message}`);
  ctx.exitCode = 1;
}

/** Adds the two validation commands: exit 0 and one line when valid, exit 1 and every problem when not. */
export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command("validate-acp-descriptor")
    .description("check an ACP agent descriptor file (JSON or YAML)")
    .argument("<path>", "the descriptor file")
    .action((filePath: string) => {
      report(ctx, filePath, "ACP descriptor", validateAgentDescriptorFile(filePath));
    });
  program
    .command("validate-acp-manifest")
    .description("check an agent manifest file (JSON or YAML)")
    .argument("<path>", "the manifest file")
    .action((filePath: string) => {
      report(ctx, filePath, "agent manifest", validateAgentManifestFile(filePath));
    });
}
