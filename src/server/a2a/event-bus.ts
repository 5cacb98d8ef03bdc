/**
 * The event buses of the A2A request handler. The SDK's in-process bus only reaches
 * the requests of the process whose executor publishes on it; here every bus is fed
 * from the run itself (its events and its end, through the run manager), so a bus
 * opened on any replica shows a run executing on any other.
 */
import {
  DefaultExecutionEventBus,
  type EventListener,
  type ExecutionEventBus,
  type ExecutionEventBusManager,
  type ExecutionEventName,
  type FinishedListener,
} from "@a2a-js/sdk/server";
import { ACPServerError } from "../errors.js";

/**
 * The reason every bus's `unheard` signal aborts with: one shared value, since an
 * abort without a reason builds a new DOMException (with its stack) per request.
 */
const LEFT = new ACPServerError("no one listens to this bus any more");

/**
 * A bus that knows when no one listens any more: its `unheard` signal aborts once the
 * last event listener left (the request's stream ended or its client went away) or
 * the bus finished, so that whatever follows a run for it stops.
 */
export class RunEventBus implements ExecutionEventBus {
  private readonly inner = new DefaultExecutionEventBus();
  private listeners = 0;
  private readonly left = new AbortController();

  /** Aborts once nobody listens to the bus any more. */
  get unheard(): AbortSignal {
    return this.left.signal;
  }

  /** Delivers an event to the listeners. */
  publish(event: Parameters<ExecutionEventBus["publish"]>[0]): void {
    this.inner.publish(event);
  }

  /** Tells the listeners that nothing more comes. */
  finished(): void {
    this.inner.finished();
    this.left.abort(LEFT);
  }

  /** Adds a listener. */
  on(eventName: "event", listener: EventListener): this;
  on(eventName: "finished", listener: FinishedListener): this;
  on(eventName: ExecutionEventName, listener: EventListener | FinishedListener): this {
    if (eventName === "event") {
      this.listeners += 1;
      this.inner.on("event", listener as EventListener);
    } else {
      this.inner.on("finished", listener as FinishedListener);
    }
    return this;
  }

  /** Removes a listener; the last event listener leaving makes the bus unheard. */
  off(eventName: "event", listener: EventListener): this;
  off(eventName: "finished", listener: FinishedListener): this;
  off(eventName: ExecutionEventName, listener: EventListener | FinishedListener): this {
    if (eventName === "event") {
      this.inner.off("event", listener as EventListener);
      this.listeners = Math.max(0, this.listeners - 1);
      if (this.listeners === 0) this.left.abort(LEFT);
    } else {
      this.inner.off("finished", listener as FinishedListener);
    }
    return this;
  }

  /** Adds a listener for one call. */
  once(eventName: "event", listener: EventListener): this;
  once(eventName: "finished", listener: FinishedListener): this;
  once(eventName: ExecutionEventName, listener: EventListener | FinishedListener): this {
    if (eventName === "event") this.inner.once("event", listener as EventListener);
    else this.inner.once("finished", listener as FinishedListener);
    return this;
  }

  /** Removes every listener (of one kind, when named). */
  removeAllListeners(eventName?: ExecutionEventName): this {
    this.inner.removeAllListeners(eventName);
    if (eventName === undefined || eventName === "event") {
      this.listeners = 0;
      this.left.abort(LEFT);
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
