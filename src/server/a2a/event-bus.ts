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
 * The listeners of one event of a bus, called as an `EventTarget` (the SDK's bus) calls
 * them: in the order they were added; a listener added during a call is not called by
 * it, one removed during it no longer is, one added once is removed as it is called, and
 * one that throws does not stop the others (its error is thrown out of the current task).
 */
class Listeners<A extends unknown[]> {
  /** Replaced, never changed in place: a call goes through the list it started with. */
  #list: readonly Listening<(...args: A) => void>[] = [];

  /** How many listen. */
  get size(): number {
    return this.#list.length;
  }

  add(listener: (...args: A) => void, once: boolean): void {
    this.#list = [...this.#list, { listener, once, removed: false }];
  }

  /** Removes `listener`'s latest addition, if it is there. */
  remove(listener: (...args: A) => void): void {
    const index = this.#list.findLastIndex((l) => l.listener === listener);
    if (index === -1) return;
    (this.#list[index] as Listening<(...args: A) => void>).removed = true;
    this.#list = this.#list.filter((_, i) => i !== index);
  }

  clear(): void {
    for (const l of this.#list) l.removed = true;
    this.#list = [];
  }

  call(...args: A): void {
    const listening = this.#list;
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
    if (this.#list.some((l) => l.removed)) this.#list = this.#list.filter((l) => !l.removed);
  }
}

/**
 * A bus that knows when no one listens any more: its `unheard` signal aborts once the
 * last event listener left (the request's stream ended or its client went away) or
 * the bus finished, so that whatever follows a run for it stops. Its listeners are
 * called as the SDK's bus calls them, without a DOM event built per event published.
 */
export class RunEventBus implements ExecutionEventBus {
  private readonly events = new Listeners<Parameters<EventListener>>();
  private readonly finishes = new Listeners<[]>();
  private readonly left = new AbortController();

  /** Aborts once nobody listens to the bus any more. */
  get unheard(): AbortSignal {
    return this.left.signal;
  }

  /** Delivers an event to the listeners. */
  publish(event: Parameters<ExecutionEventBus["publish"]>[0]): void {
    this.events.call(event);
  }

  /** Tells the listeners that nothing more comes. */
  finished(): void {
    this.finishes.call();
    this.left.abort(LEFT);
  }

  /** Adds a listener. */
  on(eventName: "event", listener: EventListener): this;
  on(eventName: "finished", listener: FinishedListener): this;
  on(eventName: ExecutionEventName, listener: EventListener | FinishedListener): this {
    this.listenersOf(eventName).add(listener as EventListener, false);
    return this;
  }

  /** Removes a listener; the last event listener leaving makes the bus unheard. */
  off(eventName: "event", listener: EventListener): this;
  off(eventName: "finished", listener: FinishedListener): this;
  off(eventName: ExecutionEventName, listener: EventListener | FinishedListener): this {
    this.listenersOf(eventName).remove(listener as EventListener);
    if (eventName === "event" && this.events.size === 0) this.left.abort(LEFT);
    return this;
  }

  /** Adds a listener for one call. */
  once(eventName: "event", listener: EventListener): this;
  once(eventName: "finished", listener: FinishedListener): this;
  once(eventName: ExecutionEventName, listener: EventListener | FinishedListener): this {
    this.listenersOf(eventName).add(listener as EventListener, true);
    return this;
  }

  /** Removes every listener (of one kind, when named). */
  removeAllListeners(eventName?: ExecutionEventName): this {
    if (eventName !== "event") this.finishes.clear();
    if (eventName !== "finished") {
      this.events.clear();
      this.left.abort(LEFT);
    }
    return this;
  }

  /** The listeners of `eventName` (a finished listener takes no arguments, so either list takes it). */
  private listenersOf(eventName: ExecutionEventName): Listeners<Parameters<EventListener>> {
    return eventName === "event"
      ? this.events
      : (this.finishes as unknown as Listeners<Parameters<EventListener>>);
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
