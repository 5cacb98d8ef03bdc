/** `acp run`: run an agent once, waiting or streaming, resuming its interrupts. */
import { type Command, Option } from "commander";
import { ACPRunException } from "../../core/errors.js";
import type { AgentACPDescriptor } from "../../models/agents.js";
import type { RunCreateStateless, RunOutput } from "../../models/runs.js";
import { CliError } from "../cli-error.js";
import { resolveAgent, type ServerOptions, withClient } from "../connect.js";
import type { CliContext } from "../context.js";
import { say } from "../io.js";
import { parseJsonArg } from "../json-arg.js";
import { nonEmpty } from "../non-empty.js";
import { runView } from "../progress.js";
import { ResumeValues } from "../resume-values.js";
import { type RunTarget, statelessTarget, threadTarget } from "../run-target.js";

interface RunOptions {
  input: string;
  config?: string;
  stream?: boolean;
  thread?: string;
  resume?: string[];
}

/** A run's input and config are JSON objects in the protocol: anything else is refused here. */
function jsonObject(value: unknown, option: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    throw new CliError(`${option} must be a JSON object, got ${got}`);
  }
  return value as Record<string, unknown>;
}

function streamModes(descriptor: AgentACPDescriptor): ("values" | "custom")[] {
  const streaming = descriptor.specs.capabilities.streaming;
  return (["values", "custom"] as const).filter((m) => streaming?.[m] === true);
}

function failIfError(output: RunOutput | undefined, runId: string | undefined): void {
  if (output?.type === "error") {
    throw new ACPRunException(output.description, output.errcode, output.run_id ?? runId);
  }
}

async function streamRun(
  ctx: CliContext,
  target: RunTarget,
  body: RunCreateStateless,
  resumes: ResumeValues,
): Promise<void> {
  const view = runView(ctx.io);
  const seen = new Set<string>();
  let stream = target.stream(body);
  for (;;) {
    let interrupt: { payload: unknown } | undefined;
    let runId: string | undefined;
    let lastEventId: string | undefined;
    for await (const event of stream) {
      // A joined stream may replay events already shown.
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      lastEventId = event.id;
      view.event(event);
      const data = event.data;
      runId = data.run_id ?? runId;
      if (data.type === "error") {
        view.pause();
        throw new ACPRunException(data.description, data.errcode, data.run_id);
      }
      if (data.type === "interrupt") interrupt = { payload: data.interrupt };
    }
    runId = runId ?? stream.runId;
    if (!interrupt) break;
    if (!runId) throw new CliError("the run was interrupted but the server did not say which run");
    view.pause();
    await target.resume(runId, await resumes.next(interrupt.payload, runId));
    stream = target.join(runId, lastEventId ?? stream.lastEventId);
  }
  view.finish();
}

async function waitRun(
  ctx: CliContext,
  target: RunTarget,
  body: RunCreateStateless,
  resumes: ResumeValues,
): Promise<void> {
  let { runId, output } = await target.wait(body);
  while (output?.type === "interrupt") {
    if (!runId) throw new CliError("the run was interrupted but the server did not say which run");
    await target.resume(runId, await resumes.next(output.interrupt, runId));
    ({ runId: runId = runId, output } = await target.waitFor(runId));
  }
  failIfError(output, runId);
  if (output?.type !== "result") throw new CliError("the server returned no output for the run");
  const shown = output.values !== undefined ? output.values : output;
  say(ctx.io, ctx.io.isTTY ? JSON.stringify(shown, null, 2) : JSON.stringify(shown));
}

/** Adds `acp run`. */
export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command("run")
    .description("run an agent and print its output; --stream shows events as they come")
    .argument("<agent>", "an agent id, name, or name@version", nonEmpty("the agent"))
    .requiredOption("--input <json>", "the run's input, as JSON or @file")
    .option("--config <json>", "the agent's configuration, as JSON or @file")
    .option("--stream", "stream the run's events")
    .option("--thread <id>", "run on this thread (created when missing)", nonEmpty("--thread"))
    .addOption(
      new Option(
        "--resume <json>",
        "the value that resumes the next interrupt (repeat for several); asked on stdin otherwise",
      ).argParser((value: string, previous: string[] = []) => [...previous, value]),
    )
    .action(async (ref: string, opts: RunOptions, cmd: Command) => {
      const input = jsonObject(parseJsonArg(opts.input, "--input"), "--input");
      const config =
        opts.config === undefined
          ? undefined
          : jsonObject(parseJsonArg(opts.config, "--config"), "--config");
      const resumes = new ResumeValues(
        (opts.resume ?? []).map((r) => parseJsonArg(r, "--resume")),
        ctx.io,
      );
      try {
        await withClient(cmd.optsWithGlobals<ServerOptions>(), ctx.io, async (client) => {
          const agent = await resolveAgent(client, ref);
          const body: RunCreateStateless = {
            agent_id: agent.agent_id,
            input,
            ...(config !== undefined ? { config: { configurable: config } } : {}),
          };
          const target = opts.thread ? threadTarget(client, opts.thread) : statelessTarget(client);
          if (!opts.stream) {
            await waitRun(ctx, target, body, resumes);
            return;
          }
          const modes = streamModes(await client.getAcpDescriptorById(agent.agent_id));
          if (modes.length === 0) {
            throw new CliError(
              `agent ${agent.metadata.ref.name} declares no streaming mode: run it without --stream`,
            );
          }
          await streamRun(ctx, target, { ...body, stream_mode: modes }, resumes);
        });
      } finally {
        resumes.close();
      }
    });
}
