/**
 * Counting the statements the server's store sends to PostgreSQL (its runs, events,
 * threads and queue, and its checkpointer's checkpoints, blobs and writes), transactions
 * included: what pins the round trips a run costs.
 */
import pg from "pg";

/** The tables of the server's store, as a statement names them (`"schema".runs`). */
const OWN_TABLE = /\.(runs|run_events|threads|checkpoints|checkpoint_blobs|checkpoint_writes)\b/;

/** Counts the store's statements while started; `stop` puts the driver back. */
export interface StatementCounter {
  /** The statements counted so far, their text on one line. */
  readonly statements: string[];
  /** Those of them sent without a name: parsed and planned again at each call. */
  readonly unprepared: string[];
  /** Forgets the statements counted so far. */
  reset(): void;
  stop(): void;
}

/**
 * Counts, in this process, every statement sent through `pg.Client` that touches the
 * store's tables; a transaction counts whole (`BEGIN` and `COMMIT` too) when one of its
 * statements does.
 */
export function countStoreStatements(): StatementCounter {
  const statements: string[] = [];
  const unprepared: string[] = [];
  const open = new WeakMap<object, string[]>();
  const original = pg.Client.prototype.query;
  const patched = function (this: object, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; name?: string } | undefined;
    const text = (typeof first === "string" ? first : (first?.text ?? "")).replace(/\s+/g, " ");
    const named = typeof first === "object" && first.name !== undefined;
    const inTransaction = open.get(this);
    if (/^BEGIN\b/i.test(text)) {
      open.set(this, [text]);
    } else if (inTransaction) {
      inTransaction.push(text);
      if (/^(COMMIT|ROLLBACK)\b/i.test(text)) {
        open.delete(this);
        if (inTransaction.some((s) => OWN_TABLE.test(s))) statements.push(...inTransaction);
      }
    } else if (OWN_TABLE.test(text)) {
      statements.push(text);
      if (!named) unprepared.push(text);
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  pg.Client.prototype.query = patched as typeof original;
  return {
    statements,
    unprepared,
    reset: () => {
      statements.length = 0;
      unprepared.length = 0;
    },
    stop: () => {
      pg.Client.prototype.query = original;
    },
  };
}
