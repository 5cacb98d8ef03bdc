/**
 * The event buses of the A2A request handler. The SDK's in-process bus only reaches
 * the requests of the process whose executor publishes on it; here every bus is fed
 * from the run itself (its events and its end, through the run manager), so a bus
 * opened on any replica shows a run executing on any other.
 */
import type {
  EventListener,
  ExecutionEventBus,
  ExecutionEventBusManager,
  ExecutionEventName,
  FinishedListener,
} from "@a2a-js/sdk/server";
import { ACPServerError } from "../errors.js";

/**
 * The reason every bus's `unheard` signal aborts with: one shared value, since an
 * abort without a reason builds a new DOMException (with its stack) per request.
 */
const LEFT = new ACPServerError("no one listens to this bus any more");

/** A listener of a bus: called once only or at each call, and no longer once removed. */
interface Listening<L> {
  readonly listener: L;
  readonly once: boolean;
  removed: boolean;
}

/**
 * Calls the listeners of `listening` with `args` in the order they were added, as an
 * `EventTarget` (the SDK's bus) calls them: a listener added meanwhile is not called, one
 * removed meanwhile no longer is, one added once is removed as it is called, and one that
 * throws does not stop the others (its error is thrown out of the current task).
 */
function dispatch<A extends unknown[]>(
  listening: readonly Listening<(...args: A) => void>[],
  args: A,
): void {
  for (const entry of listening) {
    if (entry.removed) continue;
    if (entry.once) entry.removed = true;
    try {
      entry.listener(...args);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

/** `listening` with `listener`'s latest addition removed, if it is there. */
function without<L>(listening: readonly Listening<L>[], listener: L): Listening<L>[] {
  const index = listening.findLastIndex((l) => l.listener === listener);
  if (index === -1) return [...listening];
  (listening[index] as Listening<L>).removed = true;
  return listening.filter((_, i) => i !== index);
}

/**
 * A bus that knows when no one listens any more: its `unheard` signal aborts once the
 * last event listener left (the request's stream ended or its client went away) or
 * the bus finished, so that whatever follows a run for it stops. Its listeners are
 * called as the SDK's bus calls them, without a DOM event built per event published.
 */
export class RunEventBus implements ExecutionEventBus {
  private events: readonly Listening<EventListener>[] = [];
  private finishes: readonly Listening<FinishedListener>[] = [];
  private readonly left = new AbortController();

  /** Aborts once nobody listens to the bus any more. */
  get unheard(): AbortSignal {
    return this.left.signal;
  }

  /** Delivers an event to the listeners. */
  publish(event: Parameters<ExecutionEventBus["publish"]>[0]): void {
    dispatch(this.events, [event]);
    if (this.events.some((l) => l.removed)) this.events = this.events.filter((l) => !l.removed);
  }

  /** Tells the listeners that nothing more comes. */
  finished(): void {
    dispatch(this.finishes, []);
    if (this.finishes.some((l) => l.removed)) {
      this.finishes = this.finishes.filter((l) => !l.removed);
    }
    this.left.abort(LEFT);
  }

  /** Adds a listener. */
  on(eventName: "event", listener: EventListener): this;
  on(eventName: "finished", listener: FinishedListener): this;
  on(eventName: ExecutionEventName, listener: EventListener | FinishedListener): this {
    return this.add(eventName, listener, false);
  }

  /** Removes a listener; the last event listener leaving makes the bus unheard. */
  off(eventName: "event", listener: EventListener): this;
  off(eventName: "finished", listener: FinishedListener): this;
  off(eventName: ExecutionEventName, listener: EventListener | FinishedListener): this {
    if (eventName === "event") {
      this.events = without(this.events, listener as EventListener);
      if (this.events.length === 0) this.left.abort(LEFT);
    } else {
      this.finishes = without(this.finishes, listener as FinishedListener);
    }
    return this;
  }

  /** Adds a listener for one call. */
  once(eventName: "event", listener: EventListener): this;
  once(eventName: "finished", listener: FinishedListener): this;
  once(eventName: ExecutionEventName, listener: EventListener | FinishedListener): this {
    return this.add(eventName, listener, true);
  }

  /** Removes every listener (of one kind, when named). */
  removeAllListeners(eventName?: ExecutionEventName): this {
    if (eventName === undefined || eventName === "finished") {
      for (const l of this.finishes) l.removed = true;
      this.finishes = [];
    }
    if (eventName === undefined || eventName === "event") {
      for (const l of this.events) l.removed = true;
      this.events = [];
      this.left.abort(LEFT);
    }
    return this;
  }

  private add(
    eventName: ExecutionEventName,
    listener: EventListener | FinishedListener,
    once: boolean,
  ): this {
    if (eventName === "event") {
      this.events = [...this.events, { listener: listener as EventListener, once, removed: false }];
    } else {
      const entry = { listener: listener as FinishedListener, once, removed: false };
      this.finishes = [...this.finishes, entry];
    }
    return this;
  }
}

/**
 * The buses of one agent's tasks. A request that starts or resumes a task gets a new
 * bus its executor feeds; a request about a task under way (cancel, subscribe) gets a
 * bus that `follow` feeds from the task's run, wherever it executes. No bus is kept
 * between requests: the run is the task's state.
 */
export class RunBusManager implements ExecutionEventBusManager {
  constructor(private readonly follow: (taskId: string, bus: RunEventBus) => void) {}

  /** A new bus for the executor of a request. */
  createOrGetByTaskId(): ExecutionEventBus {
    return new RunEventBus();
  }

  /** A bus fed from the run of `taskId` (it finishes at once when there is none). */
  getByTaskId(taskId: string): ExecutionEventBus {
    const bus = new RunEventBus();
    this.follow(taskId, bus);
    return bus;
  }

  /** Nothing to release: no bus is kept. */
  cleanupByTaskId(): void {}
}
