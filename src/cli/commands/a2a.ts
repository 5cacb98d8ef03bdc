/**
 * `acp a2a`: any A2A v1.0 agent from the command line, through `@a2a-js/sdk`'s client
 * (this project's server serves each agent at `<server>/a2a/<agent id>/`): its card, a
 * message sent and its task followed, a task read, cancelled, or listed.
 */
import { type Command, Option } from "commander";
import { A2A_TRANSPORTS, type A2AOptions } from "../a2a/connect.js";
import { CliError } from "../cli-error.js";
import { apiKeyOption } from "../connect.js";
import type { CliContext } from "../context.js";
import { parseJsonArg } from "../json-arg.js";
import { nonEmpty } from "../non-empty.js";
import { wholeNumber } from "../whole-number.js";

interface SendFlags {
  input?: string;
  text?: string;
  context?: string;
  task?: string;
  stream?: boolean;
  resume?: string[];
}

interface TasksFlags {
  context?: string;
  status?: string;
  pageSize?: string;
  pageToken?: string;
}

const URL_HELP =
  "the agent's A2A base URL (its card at <url>/.well-known/agent-card.json) or its card's URL";

/** Adds `acp a2a` and its commands. */
export function registerA2A(program: Command, ctx: CliContext): void {
  const a2a = program
    .command("a2a")
    .description("talk to an A2A agent: its card, messages and tasks")
    .addOption(apiKeyOption("the key sent in x-api-key to the agent's origin"))
    .addOption(
      new Option("--transport <name>", "the transport, when the card offers several").choices(
        A2A_TRANSPORTS,
      ),
    );
  const opts = (cmd: Command) => cmd.optsWithGlobals<A2AOptions>();

  a2a
    .command("card")
    .description("print the agent's card")
    .argument("<url>", URL_HELP, nonEmpty("the URL"))
    .action(async (url: string, _flags: unknown, cmd: Command) => {
      const { connectA2A } = await import("../a2a/connect.js");
      const { AgentCard } = await import("@a2a-js/sdk");
      const { card } = await connectA2A(url, opts(cmd), ctx.io);
      ctx.io.stdout.write(`${JSON.stringify(AgentCard.toJSON(card), null, 2)}\n`);
    });

  a2a
    .command("send")
    .description("send a message and follow its task to the end, streaming when the agent streams")
    .argument("<url>", URL_HELP, nonEmpty("the URL"))
    .option("--input <json>", "the message: JSON or @file (a string is a text part, else data)")
    .option("--text <text>", "the message as plain text")
    .option("--context <id>", "continue this context", nonEmpty("--context"))
    .option("--task <id>", "answer this task, which waits for input", nonEmpty("--task"))
    .option("--stream", "stream the task's events (the default when the card says it streams)")
    .option("--no-stream", "wait for the task to stop instead")
    .addOption(
      new Option(
        "--resume <json>",
        "the answer to the task's next question (repeat for several); asked on stdin otherwise",
      ).argParser((value: string, previous: string[] = []) => [...previous, value]),
    )
    .action(async (url: string, flags: SendFlags, cmd: Command) => {
      if ((flags.input === undefined) === (flags.text === undefined)) {
        throw new CliError("give the message with --input JSON or --text TEXT (one of them)");
      }
      const value = flags.text ?? parseJsonArg(flags.input as string, "--input");
      const resume = (flags.resume ?? []).map((r) => parseJsonArg(r, "--resume"));
      // Commander sets `stream` to true by default because of --no-stream: only a flag
      // on the command line decides, else the card does.
      const source = cmd.getOptionValueSource("stream");
      const stream = source === "cli" ? flags.stream : undefined;
      const { sendA2A } = await import("../a2a/send.js");
      await sendA2A(ctx, url, {
        ...opts(cmd),
        value,
        resume,
        ...(flags.context ? { context: flags.context } : {}),
        ...(flags.task ? { task: flags.task } : {}),
        ...(stream !== undefined ? { stream } : {}),
      });
    });

  a2a
    .command("get")
    .description("print a task")
    .argument("<url>", URL_HELP, nonEmpty("the URL"))
    .argument("<taskId>", "the task's id", nonEmpty("the task id"))
    .option("--history-length <n>", "at most this many messages of the task's history")
    .action(async (url: string, id: string, flags: { historyLength?: string }, cmd: Command) => {
      const historyLength =
        flags.historyLength === undefined
          ? undefined
          : wholeNumber("--history-length", flags.historyLength, 0, 1_000_000);
      const { connectA2A } = await import("../a2a/connect.js");
      const { printJson, resultJson } = await import("../a2a/view.js");
      const { client } = await connectA2A(url, opts(cmd), ctx.io);
      const task = await client.getTask({
        tenant: "",
        id,
        ...(historyLength !== undefined ? { historyLength } : {}),
      });
      printJson(ctx.io, resultJson(task));
    });

  a2a
    .command("cancel")
    .description("cancel a task and print it")
    .argument("<url>", URL_HELP, nonEmpty("the URL"))
    .argument("<taskId>", "the task's id", nonEmpty("the task id"))
    .action(async (url: string, id: string, _flags: unknown, cmd: Command) => {
      const { connectA2A } = await import("../a2a/connect.js");
      const { printJson, resultJson } = await import("../a2a/view.js");
      const { client } = await connectA2A(url, opts(cmd), ctx.io);
      const task = await client.cancelTask({ tenant: "", id, metadata: undefined });
      printJson(ctx.io, resultJson(task));
    });

  a2a
    .command("tasks")
    .description("list the agent's tasks, most recently updated first")
    .argument("<url>", URL_HELP, nonEmpty("the URL"))
    .option("--context <id>", "only the tasks of this context", nonEmpty("--context"))
    .option("--status <state>", "only tasks in this state, e.g. input-required")
    .option("--page-size <n>", "at most this many tasks (1 to 100)")
    .option("--page-token <token>", "the page after the one that gave this token")
    .action(async (url: string, flags: TasksFlags, cmd: Command) => {
      const { parseState, stateName } = await import("../a2a/message.js");
      const status = flags.status === undefined ? 0 : parseState(flags.status);
      const pageSize =
        flags.pageSize === undefined
          ? undefined
          : wholeNumber("--page-size", flags.pageSize, 1, 100);
      const { connectA2A } = await import("../a2a/connect.js");
      const { resultJson } = await import("../a2a/view.js");
      const { printRecords } = await import("../print.js");
      const { client } = await connectA2A(url, opts(cmd), ctx.io);
      const page = await client.listTasks({
        tenant: "",
        contextId: flags.context ?? "",
        status,
        pageToken: flags.pageToken ?? "",
        statusTimestampAfter: undefined,
        ...(pageSize !== undefined ? { pageSize } : {}),
      });
      if (ctx.io.isTTY) {
        printRecords(
          ctx.io,
          page.tasks,
          (t) =>
            `${t.id}  ${stateName(t.status?.state)}  context ${t.contextId}  ${t.status?.timestamp ?? ""}`,
        );
        if (page.nextPageToken) ctx.io.stdout.write(`more: --page-token ${page.nextPageToken}\n`);
        return;
      }
      printRecords(ctx.io, page.tasks.map(resultJson), () => "");
      if (page.nextPageToken) ctx.io.stderr.write(`more: --page-token ${page.nextPageToken}\n`);
    });
}
