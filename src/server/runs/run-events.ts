import type {
  CustomRunResultUpdate,
  ValueRunErrorUpdate,
  ValueRunInterruptUpdate,
  ValueRunResultUpdate,
} from "../../models/index.js";

/** The `data` of one `RunOutputStream` event. */
export type RunEventData =
  | ValueRunResultUpdate
  | CustomRunResultUpdate
  | ValueRunInterruptUpdate
  | ValueRunErrorUpdate;

/** One event of a run's output stream: its per-run id and its payload. */
export interface RunEvent {
  id: string;
  data: RunEventData;
}

/**
 * Every event a run produced, kept for the run's lifetime so a client that joins late
 * with `Last-Event-ID` can be replayed what it missed. Ids count up per run from "1";
 * a resumed run continues the count.
 */
export class RunEventLog {
  private readonly events: RunEvent[] = [];
  private listeners = new Set<() => void>();

  /**
   * @param before How many events the run had before this log: a run read back from
   * storage continues its count, though the events themselves were not kept.
   */
  constructor(private readonly before = 0) {}

  /** Appends a payload and wakes the readers. */
  append(data: RunEventData): RunEvent {
    const event = { id: String(this.before + this.events.length + 1), data };
    this.events.push(event);
    this.wake();
    return event;
  }

  /** The number of events so far (the id of the last one). */
  get size(): number {
    return this.before + this.events.length;
  }

  /** Wakes readers without a new event, e.g. when the run stopped being pending. */
  wake(): void {
    const listeners = this.listeners;
    this.listeners = new Set();
    for (const l of listeners) l();
  }

  /**
   * The events after `afterId` that are still kept, then the live ones, until
   * `isOpen()` turns false or `signal` aborts.
   */
  async *read(
    afterId: number,
    isOpen: () => boolean,
    signal: AbortSignal,
  ): AsyncGenerator<RunEvent, void, undefined> {
    let next = Math.max(0, afterId - this.before);
    while (!signal.aborted) {
      while (next < this.events.length) {
        yield this.events[next] as RunEvent;
        next += 1;
      }
      if (!isOpen()) return;
      await this.changed(signal);
    }
  }

  /** Resolves at the next append or wake, or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        signal.removeEventListener("abort", done);
        this.listeners.delete(done);
        resolve();
      };
      this.listeners.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
