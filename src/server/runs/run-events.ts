import { type EncodedEvent, EVENT_TEXT, encode } from "../stores/codec.js";
import type { RunEventData, StoredEvent } from "../stores/store.js";

export type { RunEventData } from "../stores/store.js";

/** One event of a run's output stream: its per-run id and its payload. */
export interface RunEvent {
  id: string;
  data: RunEventData;
}

/** Reads a run's stored events with an id above `afterId`, at most `limit`. */
export type StoredEventReader = (afterId: number, limit: number) => Promise<StoredEvent[]>;

/** How many stored events one read fetches while replaying. */
const REPLAY_BATCH = 100;

/**
 * The events of one run as this process sees them: the newest ones in memory, where
 * live readers get them at once, and every one in the store, where a reader that
 * joins late (with `Last-Event-ID`) or on a run that is no longer executing reads
 * them. Memory keeps at most `maxBytes` of events that the store already has; older
 * ones are read back from it. Ids count up per run from 1; a resumed run continues.
 */
export class RunEventLog {
  /** The events kept in memory, oldest first; the first has id `this.first`. */
  private readonly kept: Array<{ event: RunEvent; bytes: number; text: string }> = [];
  private first: number;
  private keptBytes = 0;
  /** How many kept events the store has been handed (they can be dropped from memory). */
  private saved = 0;
  private listeners = new Set<() => void>();
  /** Told of each append, so the new events can be stored. */
  onAppend: (() => void) | undefined;

  /**
   * @param last The id of the run's last event before this log (0 for a new run).
   * @param stored Reads the run's events from the store.
   * @param maxBytes The most bytes of saved events kept in memory.
   */
  constructor(
    last: number,
    private readonly stored: StoredEventReader,
    private readonly maxBytes: number,
  ) {
    this.first = last + 1;
  }

  /** Appends a payload and wakes the readers. */
  append(data: RunEventData): RunEvent {
    const event = { id: String(this.first + this.kept.length), data };
    // Its size is that of the text the store is handed: the event is serialised once.
    const text = encode(data, "runs.appendEvents");
    this.kept.push({ event, bytes: text.length, text });
    this.onAppend?.();
    this.wake();
    return event;
  }

  /** The id of the last event so far. */
  get size(): number {
    return this.first + this.kept.length - 1;
  }

  /**
   * Takes events another process appended and stored (the run executes elsewhere):
   * readers get them as if appended here. Only the next ids in order are taken.
   */
  absorb(events: readonly StoredEvent[]): void {
    for (const event of events) {
      const { id, data } = event;
      if (id !== this.size + 1) continue;
      // The text it was stored as, when it carries it: not serialised again.
      const text = (event as EncodedEvent)[EVENT_TEXT] ?? JSON.stringify(data);
      this.kept.push({ event: { id: String(id), data }, bytes: text.length, text });
      this.keptBytes += text.length;
    }
    this.saved = this.kept.length;
    this.trim();
    this.wake();
  }

  /** Hands the events the store does not have yet to `save`; they may leave memory after. */
  unsaved(): StoredEvent[] {
    const fresh: EncodedEvent[] = [];
    for (const { event, bytes, text } of this.kept.slice(this.saved)) {
      fresh.push({ id: Number(event.id), data: event.data, [EVENT_TEXT]: text });
      this.keptBytes += bytes;
    }
    this.saved = this.kept.length;
    return fresh;
  }

  /**
   * Takes back the last `count` events {@link unsaved} handed out, because their write
   * failed: the next write hands them out again. Call before any other write of the run.
   */
  giveBack(count: number): void {
    const from = Math.max(this.saved - count, 0);
    for (const { bytes } of this.kept.slice(from, this.saved)) this.keptBytes -= bytes;
    this.saved = from;
  }

  /** Drops the oldest saved events beyond the byte budget; the store still has them. */
  trim(): void {
    let drop = 0;
    while (drop < this.saved && this.keptBytes > this.maxBytes) {
      this.keptBytes -= (this.kept[drop] as { bytes: number }).bytes;
      drop += 1;
    }
    if (drop === 0) return;
    this.kept.splice(0, drop);
    this.first += drop;
    this.saved -= drop;
  }

  /** Wakes readers without a new event, e.g. when the run stopped being pending. */
  wake(): void {
    const listeners = this.listeners;
    this.listeners = new Set();
    for (const l of listeners) l();
  }

  /**
   * The events after `afterId` (from the store for those no longer in memory), then
   * the live ones, until `isOpen()` turns false or `signal` aborts.
   */
  async *read(
    afterId: number,
    isOpen: () => boolean,
    signal: AbortSignal,
  ): AsyncGenerator<RunEvent, void, undefined> {
    let next = afterId + 1;
    while (!signal.aborted) {
      if (next < this.first) {
        const batch = await this.stored(next - 1, Math.min(REPLAY_BATCH, this.first - next));
        if (batch.length === 0) next = this.first;
        for (const { id, data } of batch) {
          if (id >= this.first || signal.aborted) break;
          yield { id: String(id), data };
          next = id + 1;
        }
        continue;
      }
      while (next <= this.size && next >= this.first) {
        yield (this.kept[next - this.first] as { event: RunEvent }).event;
        next += 1;
      }
      if (next < this.first) continue;
      if (!isOpen()) return;
      await this.changed(signal);
    }
  }

  /**
   * Resolves once `done()` is true, asked at each append or wake, or once `signal`
   * aborts: one promise and one abort listener for the whole wait, however many
   * events come before its end.
   */
  until(done: () => boolean, signal: AbortSignal): Promise<void> {
    if (signal.aborted || done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!signal.aborted && !done()) {
          this.listeners.add(check);
          return;
        }
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
      signal.addEventListener("abort", onAbort, { once: true });
    });
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
