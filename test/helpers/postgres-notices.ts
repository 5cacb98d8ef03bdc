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
  /** Forgets what was heard so far. */
  clear(): void;
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
  listener.on("notification", (n) => {
    (n.channel === channels.queue ? queue : runs).push(n.payload ?? "");
  });
  return {
    runs,
    queue,
    clear: () => {
      runs.length = 0;
      queue.length = 0;
    },
    stop: () => listener.end(),
  };
}
