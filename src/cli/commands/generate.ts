/** `acp generate-agent-models` and `acp generate-agent-oapi`. */
import { mkdirSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import type { Command } from "commander";
import { stringify as toYaml } from "yaml";
import {
  generateAgentModels,
  generateAgentOapi,
  readAgentDescriptorFile,
} from "../../manifest/index.js";
import { CliError } from "../cli-error.js";
import type { CliContext } from "../context.js";
import { say } from "../io.js";

function writeFile(filePath: string, text: string): void {
  try {
    writeFileSync(filePath, text);
  } catch (err) {
    throw new CliError(`cannot write ${filePath}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** Adds the two generation commands; both read a descriptor or an OASF manifest. */
export function registerGenerate(program: Command, ctx: CliContext): void {
  program
    .command("generate-agent-models")
    .description("write a TypeScript module of zod schemas and types for an agent's data")
    .argument("<path>", "the agent's descriptor or manifest file")
    .requiredOption("--output-dir <dir>", "the directory to write the module into")
    .option("--model-file-name <name>", "the module's file name", "models.ts")
    .action((filePath: string, opts: { outputDir: string; modelFileName: string }) => {
      const source = generateAgentModels(readAgentDescriptorFile(filePath));
      try {
        mkdirSync(opts.outputDir, { recursive: true });
      } catch (err) {
        throw new CliError(
          `cannot create ${opts.outputDir}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        );
      }
      const target = join(opts.outputDir, opts.modelFileName);
      writeFile(target, source);
      say(ctx.io, `wrote ${target}`);
    });
  program
    .command("generate-agent-oapi")
    .description("write the agent's OpenAPI document (YAML on stdout without --output)")
    .argument("<path>", "the agent's descriptor or manifest file")
    .option("--output <file>", "the file to write: JSON when it ends in .json, YAML otherwise")
    .action((filePath: string, opts: { output?: string }) => {
      const doc = generateAgentOapi(readAgentDescriptorFile(filePath));
      if (opts.output === undefined) {
        ctx.io.stdout.write(toYaml(doc, { aliasDuplicateObjects: false }));
        return;
      }
      const json = extname(opts.output).toLowerCase() === ".json";
      writeFile(
        opts.output,
        json ? `${JSON.stringify(doc, null, 2)}\n` : toYaml(doc, { aliasDuplicateObjects: false }),
      );
      say(ctx.io, `wrote ${opts.output}`);
    });
}
