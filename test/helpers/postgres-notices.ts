/**
 * What a schema's channels announce, heard by a session of its own: the run ids NOTIFY
 * sends on the `runs` channel (a run stored or changed) and on the `queue` channel (a
 * run queued, or one that lets queued runs go).
 */
import pg from "pg";
import { channelsOf } from "../../src/server/stores/postgres/schema.js";

/** The run ids heard so far, by channel, in the order they came. */
export interface HeardNotices {
  readonly runs: string[];
  readonly queue: string[];
  /**
   * Forgets what was heard so far, once everything committed before the call has been
   * heard (a marker of its own, NOTIFYed after them, comes after them).
   */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/** Listens to the `runs` and `queue` channels of `schema` in the database at `url`. */
export async function listenToRunChannels(url: string, schema: string): Promise<HeardNotices> {
  const channels = channelsOf(schema);
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  await listener.query(`LISTEN ${channels.runs}`);
  await listener.query(`LISTEN ${channels.queue}`);
  const runs: string[] = [];
  const queue: string[] = [];
  const markers = new Map<string, () => void>();
  let marks = 0;
  listener.on("notification", (n) => {
    const marked = markers.get(n.payload ?? "");
    if (marked) return marked();
    (n.channel === channels.queue ? queue : runs).push(n.payload ?? "");
  });
  return {
    runs,
    queue,
    clear: async () => {
      const marker = `heard-up-to-${++marks}`;
      const heard = new Promise<void>((resolve) => markers.set(marker, resolve));
      await listener.query("SELECT pg_notify($1, $2)", [channels.runs, marker]);
      await heard;
      markers.delete(marker);
      runs.length = 0;
      queue.length = 0;
    },
    stop: () => listener.end(),
  };
}
