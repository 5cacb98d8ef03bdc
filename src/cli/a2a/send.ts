/**
 * `acp a2a send`: one message to an agent, then its task followed to the end, streamed
 * or waited for. A task that asks for input (`input-required`) is answered like an
 * interrupted ACP run: with the `--resume` values, else at the terminal; the answer
 * goes to the same task. A task that fails, is cancelled or rejected ends the command
 * with exit code 1.
 */
import {
  type Message,
  TaskState as States,
  type Task,
  type TaskState,
  type TaskStatus,
} from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { CliError } from "../cli-error.js";
import type { CliContext } from "../context.js";
import { ResumeValues } from "../resume-values.js";
import { type A2AOptions, connectA2A } from "./connect.js";
import { partsText, partValues, stateName, userMessage } from "./message.js";
import { printEvent, printJson, printOutcome, resultJson } from "./view.js";

/** What `acp a2a send` was given. */
export interface SendOptions extends A2AOptions {
  /** The message's value, already parsed: a string is sent as text, anything else as data. */
  value: unknown;
  context?: string;
  task?: string;
  /** Stream (true), wait (false), or what the card offers (undefined). */
  stream?: boolean;
  /** The answers to the task's questions, in order, already parsed. */
  resume: unknown[];
}

/** Where a task stands after one message: its ids and its last status. */
interface Round {
  taskId: string;
  contextId: string;
  status: TaskStatus | undefined;
  /** The agent answered with a message instead of a task. */
  message?: Message;
  /** The task as a blocking send gave it. */
  task?: Task;
}

const ENDED_BADLY = new Set<TaskState>([
  States.TASK_STATE_FAILED,
  States.TASK_STATE_CANCELED,
  States.TASK_STATE_REJECTED,
  States.TASK_STATE_AUTH_REQUIRED,
]);

/** The request that sends `message`, waiting for the task to stop when blocking. */
const request = (message: Message) => ({
  tenant: "",
  message,
  configuration: {
    acceptedOutputModes: [],
    taskPushNotificationConfig: undefined,
    returnImmediately: false,
  },
  metadata: undefined,
});

/** Sends `message` and prints the stream's events; what the task's last status was. */
async function streamed(ctx: CliContext, client: Client, message: Message): Promise<Round> {
  const round: Round = { taskId: message.taskId, contextId: message.contextId, status: undefined };
  for await (const event of client.sendMessageStream(request(message))) {
    printEvent(ctx.io, event);
    const payload = event.payload;
    if (payload?.$case === "task") {
      round.taskId = payload.value.id;
      round.contextId = payload.value.contextId;
      round.status = payload.value.status;
    } else if (payload?.$case === "statusUpdate") {
      round.taskId = payload.value.taskId;
      round.contextId = payload.value.contextId;
      round.status = payload.value.status;
    } else if (payload?.$case === "message") {
      round.message = payload.value;
    }
  }
  return round;
}

/** Sends `message`, waits for the task to stop, and prints it in a pipe. */
async function waited(ctx: CliContext, client: Client, message: Message): Promise<Round> {
  const result = await client.sendMessage(request(message));
  if (!ctx.io.isTTY) printJson(ctx.io, resultJson(result));
  if (!("status" in result)) {
    return { taskId: "", contextId: result.contextId, status: undefined, message: result };
  }
  return { taskId: result.id, contextId: result.contextId, status: result.status, task: result };
}

/** What a task asks, read off its status message: the one part's value, else them all. */
function question(status: TaskStatus | undefined): unknown {
  const values = partValues(status?.message?.parts);
  return values.length === 1 ? values[0] : values;
}

/** Sends the message, follows its task to the end, and answers its questions. */
export async function sendA2A(ctx: CliContext, url: string, opts: SendOptions): Promise<void> {
  const { client, card } = await connectA2A(url, opts, ctx.io);
  const canStream = card.capabilities?.streaming === true;
  if (opts.stream === true && !canStream) {
    throw new CliError(
      `agent ${card.name} does not stream (its card says so): send without --stream`,
    );
  }
  const stream = opts.stream ?? canStream;
  const resumes = new ResumeValues(opts.resume, ctx.io);
  try {
    let message = userMessage(opts.value, {
      ...(opts.context ? { contextId: opts.context } : {}),
      ...(opts.task ? { taskId: opts.task } : {}),
    });
    for (;;) {
      const round = stream
        ? await streamed(ctx, client, message)
        : await waited(ctx, client, message);
      if (round.message) {
        if (ctx.io.isTTY) printOutcome(ctx.io, round.message);
        return;
      }
      const state = round.status?.state;
      if (state === States.TASK_STATE_INPUT_REQUIRED) {
        const answer = await resumes.next(
          question(round.status),
          round.taskId,
          `task ${round.taskId} asks for input`,
        );
        message = userMessage(answer, { taskId: round.taskId, contextId: round.contextId });
        continue;
      }
      if (state !== undefined && ENDED_BADLY.has(state)) {
        const said = partsText(round.status?.message?.parts);
        throw new CliError(`task ${round.taskId} ${stateName(state)}${said ? `: ${said}` : ""}`);
      }
      if (state !== States.TASK_STATE_COMPLETED) {
        throw new CliError(
          `the answer ended while task ${round.taskId} was ${stateName(state)}: see it with acp a2a get`,
        );
      }
      if (ctx.io.isTTY) {
        printOutcome(
          ctx.io,
          round.task ?? (await client.getTask({ tenant: "", id: round.taskId })),
        );
      }
      return;
    }
  } finally {
    resumes.close();
  }
}
