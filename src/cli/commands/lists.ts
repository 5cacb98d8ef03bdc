/** `acp threads` and `acp runs`: what the server holds. */

import { type Command, Option } from "commander";
import { RunStatus, ThreadStatus } from "../../models/common.js";
import type { RunStateful, RunStateless } from "../../models/runs.js";
import type { Thread } from "../../models/threads.js";
import { resolveAgent, type ServerOptions, withClient } from "../connect.js";
import type { CliContext } from "../context.js";
import { nonEmpty } from "../non-empty.js";
import { printRecords } from "../print.js";
import { wholeNumber } from "../whole-number.js";

const threadLine = (t: Thread) => `${t.thread_id}  ${t.status}  updated ${t.updated_at}`;
const runLine = (r: RunStateless | RunStateful) =>
  `${r.run_id}  ${r.status}  agent ${r.agent_id}${r.thread_id ? `  thread ${r.thread_id}` : ""}  updated ${r.updated_at}`;

function limitOf(value: string | undefined): number | undefined {
  return value === undefined ? undefined : wholeNumber("--limit", value, 1, 1000);
}

/** Adds the listing commands. */
export function registerLists(program: Command, ctx: CliContext): void {
  program
    .command("threads")
    .description("list the threads of the server")
    .addOption(
      new Option("--status <status>", "only threads in this status").choices(ThreadStatus.options),
    )
    .option("--limit <n>", "at most this many")
    .action(async (opts: { status?: Thread["status"]; limit?: string }, cmd: Command) => {
      const limit = limitOf(opts.limit);
      await withClient(cmd.optsWithGlobals<ServerOptions>(), ctx.io, async (client) => {
        const threads = await client.searchThreads({
          ...(opts.status ? { status: opts.status } : {}),
          ...(limit ? { limit } : {}),
        });
        printRecords(ctx.io, threads, threadLine);
      });
    });
  program
    .command("runs")
    .description("list stateless runs, or the runs of a thread with --thread")
    .option(
      "--agent <agent>",
      "only runs of this agent (id, name or name@version)",
      nonEmpty("--agent"),
    )
    .addOption(
      new Option("--status <status>", "only runs in this status").choices(RunStatus.options),
    )
    .option("--thread <id>", "list the runs of this thread instead", nonEmpty("--thread"))
    .option("--limit <n>", "at most this many")
    .action(
      async (
        opts: { agent?: string; status?: RunStateless["status"]; thread?: string; limit?: string },
        cmd: Command,
      ) => {
        const limit = limitOf(opts.limit);
        await withClient(cmd.optsWithGlobals<ServerOptions>(), ctx.io, async (client) => {
          if (opts.thread !== undefined) {
            printRecords(ctx.io, await client.listThreadRuns(opts.thread, limit), runLine);
            return;
          }
          const agentId = opts.agent
            ? (await resolveAgent(client, opts.agent)).agent_id
            : undefined;
          const runs = await client.searchStatelessRuns({
            ...(agentId ? { agent_id: agentId } : {}),
            ...(opts.status ? { status: opts.status } : {}),
            ...(limit ? { limit } : {}),
          });
          printRecords(ctx.io, runs, runLine);
        });
      },
    );
}
