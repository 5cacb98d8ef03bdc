/**
 * A store that counts the calls made to its run and thread stores, by method, so that
 * a test can pin how many writes (round trips, for a database) a run costs.
 */
import type { ServerStore } from "../../src/server/index.js";

/** How many times each method was called, as `runs.insert`, `threads.patch`... */
export interface StoreCalls {
  readonly counts: Map<string, number>;
  /** The count of one method; 0 when never called. */
  of(name: string): number;
  /** Forgets the counts so far. */
  reset(): void;
}

/** The methods of the store's interfaces (`RunStore`, `ThreadStore`): what callers use. */
const methods = {
  runs: [
    "insert",
    "update",
    "get",
    "search",
    "delete",
    "deleteThreadRuns",
    "purgeFinished",
    "appendEvents",
    "readEvents",
    "deleteEvents",
  ],
  threads: ["create", "get", "patch", "search", "delete", "claim", "release"],
} as const;

/** Wraps every method of `store.runs` and `store.threads` with a counter, in place. */
export function countStoreCalls(store: ServerStore): StoreCalls {
  const counts = new Map<string, number>();
  for (const part of ["runs", "threads"] as const) {
    const target = store[part] as unknown as Record<string, unknown>;
    for (const name of methods[part]) {
      const method = target[name];
      const key = `${part}.${name}`;
      target[name] = (...args: unknown[]) => {
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return (method as (...a: unknown[]) => unknown).apply(target, args);
      };
    }
  }
  return { counts, of: (name) => counts.get(name) ?? 0, reset: () => counts.clear() };
}
