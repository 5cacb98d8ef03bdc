/**
 * The run lifecycle of the Python reference server, reproduced for the stand-in:
 *
 * - `services/runs.py` (`Runs.put`, `wait_for_output`, `stream_events`, `resume`,
 *   `StreamManager`): one in-memory queue per stream subscriber; a stream event's
 *   kind is chosen from the run's status *when the event is read*, not when it was
 *   produced.
 * - `services/queue.py` (`worker`): the graph runs in the background; every update
 *   is published to the subscribers except the interrupt, which ends the loop; the
 *   run's output is the last update's data (or the interrupt value); then the
 *   status is set and a `done` control message closes the streams.
 * - `agents/adapters/langgraph.py` (`LangGraphAgent.astream`): the graph streams in
 *   LangGraph's default `updates` mode with `thread_id` = the run's thread; each
 *   `{node: update}` is one message, `__interrupt__` the interrupt with its value; a
 *   resume re-runs the graph with `Command(resume=<body>)`.
 * - `services/stream.py` (`_insert_interrupt_name`): the interrupt's name is the
 *   first declared `interrupt_type` whose `interrupt_payload` schema the value matches.
 *
 * Because the kind is chosen when an event is read, an update the worker published
 * just before the graph interrupted goes out labelled `interrupt` (with the update as
 * its `interrupt`) whenever the stream reads it after the worker set the status: the
 * worker never publishes the interrupt itself, so on that server every streamed
 * `interrupt` event is such an update, and the interrupt's value is in the wait
 * answer only. Here a stream normally reads each update before the graph goes on;
 * `events(..., readAfterStop)` makes it read late, as the race does.
 *
 * Not reproduced: the retry of a failed run (re-queued up to 3 attempts), output
 * validation against `specs.output`, webhooks, and the race in which a stream joined
 * right after creation misses the first updates (here the stream subscribes first).
 */
import { Command } from "@langchain/langgraph";
import { Ajv } from "ajv";
import type { EventWire, OutputWire, StoredRun } from "./wire.js";
import { naiveNow } from "./wire.js";

/** What a compiled LangGraph.js graph offers the stand-in. */
export interface StreamingGraph {
  stream(input: unknown, options: Record<string, unknown>): Promise<AsyncIterable<unknown>>;
}

/** One declared interrupt type of an agent. */
export interface InterruptType {
  interrupt_type: string;
  interrupt_payload: Record<string, unknown>;
}

/** `services/message.py` `Message`. */
type Message = { type: "message"; data: unknown } | { type: "control"; data: "done" | "timeout" };

/** A subscriber's queue: `next` resolves to the next message, or `timeout` after `ms`. */
class MessageQueue {
  readonly #items: Message[] = [];
  #waiter: ((message: Message) => void) | undefined;

  put(message: Message): void {
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter(message);
    } else this.#items.push(message);
  }

  get empty(): boolean {
    return this.#items.length === 0;
  }

  next(ms: number): Promise<Message> {
    const item = this.#items.shift();
    if (item) return Promise.resolve(item);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        resolve({ type: "control", data: "timeout" });
      }, ms);
      this.#waiter = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }
}

const ajv = new Ajv({ strict: false });

/** The runs of one stand-in server and the workers that execute them. */
export class ReferenceRuns {
  readonly runs = new Map<string, StoredRun>();
  readonly #outputs = new Map<string, unknown>();
  readonly #subscribers = new Map<string, Set<MessageQueue>>();
  readonly #statusWaiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly agents: ReadonlyMap<
      string,
      { graph: StreamingGraph; interrupts: readonly InterruptType[] }
    >,
  ) {}

  /** `Runs.put`: stores a pending run and queues it for a worker. */
  put(fields: Omit<StoredRun, "created_at" | "updated_at" | "status">): StoredRun {
    const now = naiveNow();
    const run: StoredRun = { ...fields, created_at: now, updated_at: now, status: "pending" };
    this.runs.set(run.run_id, run);
    setImmediate(() => void this.#work(run.run_id));
    return run;
  }

  /** `Runs.resume`: records the answer and queues the run again. */
  resume(run: StoredRun, answer: unknown): StoredRun {
    if (run.interrupt) run.interrupt.user_data = answer;
    this.#setStatus(run, "pending");
    setImmediate(() => void this.#work(run.run_id));
    return run;
  }

  /**
   * `Runs.wait_for_output`: the run and its output once it is not pending; `timeout`
   * when `ms` passed first (the reference answers that with 204).
   */
  async waitForOutput(
    runId: string,
    ms: number | undefined,
  ): Promise<{ run: StoredRun; output: unknown } | "timeout" | undefined> {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    if (run.status === "pending") {
      const changed = await new Promise<boolean>((resolve) => {
        const waiters = this.#statusWaiters.get(runId) ?? new Set();
        this.#statusWaiters.set(runId, waiters);
        const onChange = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer =
          ms === undefined
            ? undefined
            : setTimeout(() => {
                waiters.delete(onChange);
                resolve(false);
              }, ms);
        waiters.add(onChange);
      });
      if (!changed) return "timeout";
    }
    return { run, output: this.#outputs.get(runId) };
  }

  /** `_wait_and_return_run_output`: the `RunOutput` branch the run's status selects. */
  outputWire(run: StoredRun, output: unknown): OutputWire {
    if (run.status === "success" && output !== undefined && output !== null) {
      return { type: "result", values: output };
    }
    if (run.status === "interrupted") {
      // The reference wraps the value in an object keyed by the interrupt's type.
      return { type: "interrupt", interrupt: { [run.interrupt?.name ?? ""]: output } };
    }
    return { type: "error", run_id: run.run_id, errcode: 1, description: String(output) };
  }

  /**
   * `Stream.join` + `stream_events`: the payloads of one stream subscriber, `null`
   * for each keep-alive period without a message. Ends at `done`, or at once when
   * the run is no longer pending and nothing is queued. With `readAfterStop`, each
   * update is read (and so labelled) only once the run is no longer pending: the
   * reference's read-time race, made certain.
   */
  async *events(
    runId: string,
    keepAliveMs: number,
    readAfterStop = false,
  ): AsyncGenerator<EventWire | null> {
    const queue = new MessageQueue();
    const subscribers = this.#subscribers.get(runId) ?? new Set();
    this.#subscribers.set(runId, subscribers);
    subscribers.add(queue);
    try {
      const joined = this.runs.get(runId);
      if (!joined || (joined.status !== "pending" && queue.empty)) return;
      for (;;) {
        const message = await queue.next(keepAliveMs);
        if (message.type === "control") {
          if (message.data === "done") return;
          yield null;
          continue;
        }
        if (readAfterStop) await this.#stopped(runId);
        const run = this.runs.get(runId) as StoredRun;
        yield eventOf(run, message.data);
      }
    } finally {
      subscribers.delete(queue);
    }
  }

  /** Resolves once the run is no longer pending. */
  #stopped(runId: string): Promise<void> {
    if (this.runs.get(runId)?.status !== "pending") return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#statusWaiters.get(runId) ?? new Set();
      this.#statusWaiters.set(runId, waiters);
      waiters.add(resolve);
    });
  }

  #publish(runId: string, message: Message): void {
    for (const queue of this.#subscribers.get(runId) ?? []) queue.put(message);
  }

  #setStatus(run: StoredRun, status: StoredRun["status"]): void {
    run.status = status;
    run.updated_at = naiveNow();
    if (status === "pending") return;
    const waiters = this.#statusWaiters.get(run.run_id);
    this.#statusWaiters.delete(run.run_id);
    for (const wake of waiters ?? []) wake();
  }

  /** `queue.py` `worker` for one run. */
  async #work(runId: string): Promise<void> {
    const run = this.runs.get(runId) as StoredRun;
    const agent = this.agents.get(run.agent_id);
    if (!agent) return;
    try {
      const configurable = {
        ...((run.config?.configurable as Record<string, unknown> | null) ?? {}),
        thread_id: run.thread_id,
      };
      const input =
        run.interrupt && "user_data" in run.interrupt
          ? new Command({ resume: run.interrupt.user_data })
          : run.input;
      let last: { interrupt: boolean; data: unknown } | undefined;
      const stream = await agent.graph.stream(input, { configurable, streamMode: "updates" });
      updates: for await (const chunk of stream) {
        for (const [node, update] of Object.entries(chunk as Record<string, unknown>)) {
          if (node === "__interrupt__") {
            last = { interrupt: true, data: (update as { value: unknown }[])[0]?.value };
            break updates;
          }
          last = { interrupt: false, data: update };
          this.#publish(runId, { type: "message", data: update });
        }
      }
      this.#outputs.set(runId, last?.data);
      if (last?.interrupt) {
        const name = interruptName(agent.interrupts, last.data);
        run.interrupt = { event: "__interrupt__", name, ai_data: last.data };
        this.#setStatus(run, "interrupted");
      } else {
        this.#setStatus(run, "success");
      }
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.#outputs.set(runId, text);
      this.#setStatus(run, "error");
      this.#publish(runId, { type: "message", data: text });
    }
    this.#publish(runId, { type: "control", data: "done" });
  }
}

/** `stream_events`: the update model the run's current status selects. */
function eventOf(run: StoredRun, data: unknown): EventWire {
  switch (run.status) {
    case "interrupted":
      return { type: "interrupt", interrupt: data, run_id: run.run_id, status: run.status };
    case "error":
      return {
        type: "error",
        run_id: run.run_id,
        errcode: 0,
        description: String(data),
        status: run.status,
      };
    default:
      return { type: "values", run_id: run.run_id, status: run.status, values: data };
  }
}

/** `_insert_interrupt_name`: the first declared type whose payload schema the value matches. */
function interruptName(types: readonly InterruptType[], value: unknown): string {
  for (const type of types) {
    if (ajv.validate(type.interrupt_payload, value)) return type.interrupt_type;
  }
  throw new Error(
    `Interrupt schemas mismatch: could not find matching interrupt type for the received interrupt payload: ${JSON.stringify(value)}. Check the interrupts schemas in the ACP Descriptor.`,
  );
}
